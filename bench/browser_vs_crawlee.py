"""jobctl against Crawlee, head to head: the same 200 local book pages, the same Chromium,
concurrency 4, default settings on both sides, each as a whole process from start-up to exit.

jobctl: ``jobctl run --trigger pages --until-idle`` on a job file of 200 ``books/details`` items
(engine, SQLite, results file, worker process, callback; the Job's default isolation and trace
mode). Crawlee: ``bench/crawlee_peer.py``, a ``PlaywrightCrawler`` doing the same reads, run by a
bench-only virtualenv under ``.cache/bench`` with Crawlee pinned (never the project's).
``value`` = jobctl pages/s / Crawlee pages/s; target >= 1.0 (goal 1.3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from controller.spec.job import Configuration
from controller.worker.browser import LAUNCH_ARGS
from examples.demo_site.server import static_server

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "bookstore"
CRAWLEE = "crawlee[playwright]==1.11.0"
VENV = ROOT / ".cache" / "bench" / "crawlee-1.11.0"
ITEMS = 200
CONCURRENCY = 4
TARGET = 1.0
JOBCTL = Path(sys.executable).with_name("jobctl")


def crawlee_python() -> Path:
    """The bench virtualenv's Python, with Crawlee installed on first use."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                CRAWLEE,
            ],
            check=True,
        )
        stamp.touch()
    return python


def chromium() -> str:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (only the path)

    from controller.worker.browser import chromium_path  # noqa: PLC0415 (beside the above)

    with sync_playwright() as playwright:
        return chromium_path(playwright)


def urls(base: str) -> list[str]:
    pages = sorted((PROJECT / "site" / "books").glob("*.html"))
    return [f"{base}/books/{pages[n % len(pages)].name}?n={n}" for n in range(ITEMS)]


def timed(command: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    return time.perf_counter() - started, done


def run_jobctl(pages: list[str], folder: Path) -> tuple[float, int]:
    jobs = folder / "resources" / "jobs"
    jobs.mkdir(parents=True)
    payload = [{"apiName": "books/details", "parameters": {"url": url}} for url in pages]
    document = {"payload": payload, "configuration": {"maxConcurrentRequests": CONCURRENCY}}
    (jobs / "pages.job.json").write_text(json.dumps(document))
    elapsed, done = timed(
        [
            str(JOBCTL),
            "run",
            "--resources",
            str(folder / "resources"),
            "--state",
            str(folder / "state"),
            "--project",
            str(PROJECT),
            "--max-workers",
            str(CONCURRENCY),
            "--listen",
            "off",
            "--trigger",
            "pages",
            "--until-idle",
        ]
    )
    if done.returncode != 0:
        raise RuntimeError(f"jobctl run failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    results = Path(done.stdout.rsplit("results: ", 1)[1].strip())
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    return elapsed, sum(1 for line in lines if line["apiInfo"]["error"] is None)


def run_crawlee(pages: list[str], folder: Path) -> tuple[float, int]:
    env = {**os.environ, "CRAWLEE_STORAGE_DIR": str(folder / "crawlee-storage")}
    peer = ROOT / "bench" / "crawlee_peer.py"
    command = [str(crawlee_python()), str(peer), chromium(), json.dumps(LAUNCH_ARGS), *pages]
    elapsed, done = timed(command, env=env, cwd=folder)
    report = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not report:
        raise RuntimeError(f"Crawlee failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return elapsed, int(json.loads(report[-1])["items"])


def run() -> dict[str, Any]:
    crawlee_python()  # installing is not part of the race
    server = static_server(PROJECT / "site")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            crawlee_s, crawlee_items = run_crawlee(urls(base), Path(folder))
        with tempfile.TemporaryDirectory() as folder:
            jobctl_s, jobctl_items = run_jobctl(urls(base), Path(folder))
    finally:
        server.shutdown()
        server.server_close()
    defaults = Configuration()
    jobctl_rate, crawlee_rate = ITEMS / jobctl_s, ITEMS / crawlee_s
    return {
        "benchmark": "browser_vs_crawlee",
        "value": round(jobctl_rate / crawlee_rate, 3),
        "unit": "ratio",
        "target": TARGET,
        "goal": 1.3,
        "items": ITEMS,
        "concurrency": CONCURRENCY,
        "jobctl_pages_per_s": round(jobctl_rate, 2),
        "crawlee_pages_per_s": round(crawlee_rate, 2),
        "jobctl_items_ok": jobctl_items,
        "crawlee_items_ok": crawlee_items,
        "isolation": defaults.isolation,
        "trace": defaults.trace,
        "crawlee": CRAWLEE,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
