"""200 book pages with concurrency 4: the controller with local workers vs an ideal baseline at
the same isolation level.

The ideal, measured in the same run, is one Chromium calling the same ``books/details``
automation on the same pages 4 at a time, with no controller, no worker processes and no traces,
each page new in the browser's main context: what the default isolation level (``page``) does
for a JobRun's first attempts. The controller run goes through everything a user gets with
default Job settings: engine, SQLite, results file, a worker process with a warm Chromium, the
HTTP callback, the default trace mode and a log per attempt. Both include starting their
browsers. Target: ratio >= 0.8.
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from controller.embedded import EmbeddedController, Settings
from controller.launch import LocalLauncher
from controller.spec.job import DEFAULT_ISOLATION, DEFAULT_TRACE
from controller.worker.apis import ApiLoader
from controller.worker.browser import launch_with_profile
from examples.demo_site.server import static_server

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "bookstore"
ITEMS = 200
CONCURRENCY = 4
TARGET = 0.8


def serve_site() -> tuple[ThreadingHTTPServer, str]:
    server = static_server(PROJECT / "site")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def book_urls(base: str, count: int) -> list[str]:
    pages = sorted((PROJECT / "site" / "books").glob("*.html"))
    return [f"{base}/books/{pages[n % len(pages)].name}" for n in range(count)]


async def _ideal(urls: list[str]) -> float:
    automation = ApiLoader(PROJECT).load("books/details")
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    started = time.perf_counter()
    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory() as profile:
            _browser, main, _cdp_url = await launch_with_profile(playwright, Path(profile))

            async def lane() -> None:
                while not queue.empty():
                    url = queue.get_nowait()
                    page = await main.new_page()
                    await automation(page, {"url": url})
                    await page.close()

            await asyncio.gather(*(lane() for _ in range(CONCURRENCY)))
            await main.close()
    return time.perf_counter() - started


async def embedded_run(urls: list[str], folder: Path) -> tuple[float, Any]:
    """``jobctl run``'s controller with local workers on ``urls``: seconds from the trigger to
    the JobRun's end, and the JobRun."""
    jobs = folder / "resources" / "jobs"
    jobs.mkdir(parents=True)
    payload = [{"apiName": "books/details", "parameters": {"url": url}} for url in urls]
    document = {"payload": payload, "configuration": {"maxConcurrentRequests": CONCURRENCY}}
    (jobs / "pages.job.json").write_text(json.dumps(document))
    settings = Settings(
        resources=folder / "resources", state=folder / "state", max_workers=CONCURRENCY, watch=False
    )
    launcher = LocalLauncher(
        project=PROJECT, artifacts=folder / "state" / "attempts", capacity=CONCURRENCY
    )
    controller = EmbeddedController(settings, launcher, out=io.StringIO())
    controller.start()
    started = time.perf_counter()
    job_run = controller.commands.trigger("pages")
    await controller.run(until_idle=True)
    elapsed = time.perf_counter() - started
    controller.close()
    return elapsed, job_run


def run() -> dict[str, Any]:
    server, base = serve_site()
    try:
        urls = book_urls(base, ITEMS)
        ideal = asyncio.run(_ideal(urls))
        with tempfile.TemporaryDirectory() as folder:
            elapsed, job_run = asyncio.run(embedded_run(urls, Path(folder)))
    finally:
        server.shutdown()
        server.server_close()
    return {
        "benchmark": "browser_items_per_second_ratio",
        "value": round(ideal / elapsed, 3),
        "unit": "ratio",
        "target": TARGET,
        "items": ITEMS,
        "concurrency": CONCURRENCY,
        "items_per_s": round(ITEMS / elapsed, 2),
        "ideal_items_per_s": round(ITEMS / ideal, 2),
        "isolation": DEFAULT_ISOLATION,
        "trace": DEFAULT_TRACE,
        "succeeded": job_run.successful_runs,
        "status": job_run.status,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
