"""One JobRun of 100,000 items through engine + SQLite store + results file (issues: >= 2,000
Runs/s, goal 5,000; peak RSS <= 150 MB since Runs live in the store, not in memory).

The launcher here finishes every attempt instantly and in-process, so the figure measures the
controller's own overhead: engine passes, one store transaction per pass, results lines written
and watermarked. It runs the real ``EmbeddedController`` loop on a temporary state folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from controller.embedded import EmbeddedController, Settings
from controller.engine import AttemptEvent, AttemptRequest, AttemptResult
from controller.runtime import freeze_start_up

ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
TARGET = 2_000


class InstantLauncher:
    """Every attempt succeeds the moment it starts."""

    browsers = None
    adopter = None

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.queue: asyncio.Queue[AttemptEvent] = asyncio.Queue()

    async def start(self, request: AttemptRequest) -> None:
        self.queue.put_nowait(AttemptResult(request.attempt_id, {"n": request.parameters["n"]}))

    async def cancel(self, attempt_id: str) -> None:
        return None

    async def events(self) -> AsyncIterator[AttemptEvent]:
        while True:
            yield await self.queue.get()

    async def close(self) -> None:
        return None


async def _run(folder: Path) -> tuple[float, Any]:
    jobs = folder / "resources" / "jobs"
    jobs.mkdir(parents=True)
    _write_job_file(jobs / "bulk.job.json")
    settings = Settings(
        resources=folder / "resources",
        state=folder / "state",
        store=os.environ.get("BENCH_STORE"),  # a PostgreSQL URL (bench.postgresql)
        max_workers=25,
        watch=False,
    )
    with open(folder / "controller.log", "w") as log:
        controller = EmbeddedController(settings, InstantLauncher(25), out=log)
        controller.start()
        freeze_start_up()  # as ``jobctl run`` does
        started = time.perf_counter()
        job_run = controller.commands.trigger("bulk")
        await controller.run(until_idle=True)
        elapsed = time.perf_counter() - started
        controller.close()
    return elapsed, job_run


def _write_job_file(path: Path) -> None:
    """Written as it is made: the benchmark's own copy of the payload is not the controller's
    memory (peak RSS is the process's)."""
    with path.open("w") as out:
        out.write('{"configuration": {"maxConcurrentRequests": 25}, "payload": [')
        out.write(
            ",".join(f'{{"apiName": "item", "parameters": {{"n": {n}}}}}' for n in range(ITEMS))
        )
        out.write("]}")


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        elapsed, job_run = asyncio.run(_run(Path(folder)))
        results = Path(folder, "state", "results", "bulk", f"{job_run.id}.jsonl")
        lines = sum(1 for _ in results.open())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "benchmark": "engine_runs_per_second",
        "value": round(ITEMS / elapsed),
        "unit": "runs/s",
        "target": TARGET,
        "goal": 5_000,
        "items": ITEMS,
        "status": job_run.status,
        "results_lines": lines,
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(peak_mb),
        "peak_rss_target_mb": 150,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
