"""Pages per second through the controller for each isolation level and trace mode: 120 local
book pages, concurrency 4, one warm worker (``jobctl run``'s local launcher), everything a user
gets (engine, SQLite, results file, callback, traces and logs as the mode says). One JSON line:
``value`` is the default level's rate; ``levels`` has every combination measured. The defaults
in ``controller/spec/job.py`` are chosen from these figures (README, "Browser isolation").
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import threading
from pathlib import Path
from typing import Any

from controller.embedded import EmbeddedController, Settings
from controller.launch import LocalLauncher
from controller.spec.job import DEFAULT_ISOLATION, DEFAULT_TRACE
from examples.demo_site.server import static_server

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "bookstore"
ITEMS = 120
CONCURRENCY = 4
COMBINATIONS = [
    ("context", "off"),
    ("context", "on"),
    ("context", "retain-on-failure"),
    ("page", "off"),
    ("page", "on-first-retry"),
    ("page", "retain-on-failure"),
    ("page", "on"),
    ("page", "full"),
]


async def pages_per_second(base: str, isolation: str, trace: str, folder: Path) -> float:
    pages = sorted((PROJECT / "site" / "books").glob("*.html"))
    payload = [
        {"apiName": "books/details", "parameters": {"url": f"{base}/books/{pages[n % 40].name}"}}
        for n in range(ITEMS)
    ]
    configuration = {"maxConcurrentRequests": CONCURRENCY, "isolation": isolation, "trace": trace}
    jobs = folder / "resources" / "jobs"
    jobs.mkdir(parents=True)
    (jobs / "pages.job.json").write_text(
        json.dumps({"payload": payload, "configuration": configuration})
    )
    settings = Settings(
        resources=folder / "resources", state=folder / "state", max_workers=CONCURRENCY, watch=False
    )
    launcher = LocalLauncher(
        project=PROJECT, artifacts=folder / "state" / "attempts", capacity=CONCURRENCY
    )
    controller = EmbeddedController(settings, launcher, out=io.StringIO())
    controller.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    job_run = controller.commands.trigger("pages")
    await controller.run(until_idle=True)
    elapsed = loop.time() - started
    controller.close()
    assert job_run.successful_runs == ITEMS, (isolation, trace, job_run.failed_runs)
    return ITEMS / elapsed


def run() -> dict[str, Any]:
    server = static_server(PROJECT / "site")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    levels: dict[str, float] = {}
    try:
        for isolation, trace in COMBINATIONS:
            with tempfile.TemporaryDirectory() as folder:
                rate = asyncio.run(pages_per_second(base, isolation, trace, Path(folder)))
            levels[f"{isolation}/{trace}"] = round(rate, 2)
    finally:
        server.shutdown()
        server.server_close()
    default = f"{DEFAULT_ISOLATION}/{DEFAULT_TRACE}"
    return {
        "benchmark": "browser_isolation_levels",
        "value": levels[default],
        "unit": "pages/s",
        "target": None,
        "default": default,
        "items": ITEMS,
        "concurrency": CONCURRENCY,
        "levels": levels,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
