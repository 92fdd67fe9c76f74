"""One JobRun that fans out to 1,000,000 Runs through ``extend_payload`` (1,000 seed items, each
extending 999), then the REST API's ``runs`` pages of it (issue: >= 10,000 Runs/s with peak RSS
<= 300 MB; goal 20,000 Runs/s and 200 MB; a page in <= 50 ms at p99).

As in ``engine_throughput``, an in-process launcher finishes every attempt the moment it starts,
so the figures are the controller's own: the real ``EmbeddedController`` loop, its SQLite store
and results file. Every hundredth extended Run fails (a user error, not retried), so that the
``runs`` query has a status filter that picks a sparse few. ``BENCH_SEEDS`` and ``BENCH_FANOUT``
make it smaller.

Prints three lines: ``engine_million_runs``, ``timeline_ms`` (the JobRun's timeline, its
attempts counted in slices, read through the real app in-process; issue: under a second) and
``runs_query_ms`` (p99 over the first page and a page deep in the list, unfiltered and filtered by
status, read the same way).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.engine_throughput import InstantLauncher
from controller.embedded import EmbeddedController, Settings
from controller.engine import (
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptRequest,
    AttemptResult,
)
from controller.runtime import freeze_start_up
from controller.server import create_app
from controller.vocabulary import error

SEEDS = int(os.environ.get("BENCH_SEEDS", "1000"))
FANOUT = int(os.environ.get("BENCH_FANOUT", "999"))
QUERIES = 200
TIMELINES = 5


class FanOutLauncher(InstantLauncher):
    """A seed extends the payload with ``FANOUT`` items; every other Run just succeeds (every
    hundredth fails)."""

    async def start(self, request: AttemptRequest) -> None:
        n = request.parameters["n"]
        if request.api_name == "seed":
            items = tuple(
                {"apiName": "page", "parameters": {"n": n * FANOUT + i}} for i in range(FANOUT)
            )
            self.queue.put_nowait(AttemptExtendedPayload(request.attempt_id, items))
        if request.api_name == "page" and n % 100 == 99:
            failure = error("automation-error", "user", "no such page")
            self.queue.put_nowait(AttemptFailed(request.attempt_id, failure))
            return
        self.queue.put_nowait(AttemptResult(request.attempt_id, {"n": n}))


async def _fan_out(folder: Path) -> dict[str, Any]:
    jobs = folder / "resources" / "jobs"
    jobs.mkdir(parents=True)
    payload = [{"apiName": "seed", "parameters": {"n": n}} for n in range(SEEDS)]
    document = {"payload": payload, "configuration": {"maxConcurrentRequests": 25}}
    (jobs / "fanout.job.json").write_text(json.dumps(document))
    settings = Settings(
        resources=folder / "resources",
        state=folder / "state",
        store=os.environ.get("BENCH_STORE"),  # a PostgreSQL URL (bench.postgresql)
        max_workers=25,
        watch=False,
    )
    with open(folder / "controller.log", "w") as log:
        controller = EmbeddedController(settings, FanOutLauncher(25), out=log)
        controller.start()
        freeze_start_up()  # as ``jobctl run`` does
        started = time.perf_counter()
        job_run = controller.commands.trigger("fanout")
        await controller.run(until_idle=True)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queries = await _query(controller, job_run.id)
        controller.close()
    results = folder / "state" / "results" / "fanout" / f"{job_run.id}.jsonl"
    with results.open() as lines:
        written = sum(1 for _ in lines)
    return {
        "items": job_run.payloads,
        "status": job_run.status,
        "results_lines": written,
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(peak_mb),
        "queries": queries,
    }


async def _query(controller: EmbeddedController, job_run_id: str) -> dict[str, float]:
    """p99 milliseconds of each page kind, through the real app (routing, validation, the
    store's query, serialisation), in-process."""
    app = create_app(controller.commands, api_key=None, metrics=lambda: b"")
    identity = controller.query.identity
    base = f"/api/v1/workspace/{identity.workspace_id}/projects/{identity.project_name}"
    deep = str(int(controller.query.job_run(job_run_id).payloads * 0.9))  # type: ignore[union-attr]
    pages = {
        "first": {},
        "deep": {"cursor": deep},
        "failed_first": {"status": "FAILED"},
        "failed_deep": {"status": "FAILED", "cursor": deep},
    }
    transport = httpx.ASGITransport(app=app)
    timings: dict[str, float] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, params in pages.items():
            spent = []
            for _ in range(QUERIES):
                began = time.perf_counter()
                response = await client.get(f"{base}/job-runs/{job_run_id}/runs", params=params)
                spent.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200 and response.json()["runs"], response.text
            timings[f"{name}_p99_ms"] = round(statistics.quantiles(spent, n=100)[98], 2)
            timings[f"{name}_median_ms"] = round(statistics.median(spent), 2)
        drawn = []
        for _ in range(TIMELINES):
            began = time.perf_counter()
            response = await client.get(f"{base}/job-runs/{job_run_id}/timeline")
            drawn.append((time.perf_counter() - began) * 1000)
            timeline = response.json()
            assert response.status_code == 200 and timeline["slices"], response.text
        timings["timeline_max_ms"] = round(max(drawn), 1)
        timings["timeline_attempts"] = timeline["attempts"]
    return timings


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        found = asyncio.run(_fan_out(Path(folder)))
    queries = found.pop("queries")
    runs_per_second = found["items"] / found["seconds"]
    return [
        {
            "benchmark": "engine_million_runs",
            "value": round(runs_per_second),
            "unit": "runs/s",
            "target": 10_000,
            "goal": 20_000,
            **found,
            "peak_rss_target_mb": 300,
        },
        {
            "benchmark": "timeline_ms",
            "value": queries.pop("timeline_max_ms"),
            "unit": "ms (slowest of 5 timelines of the JobRun, through the app)",
            "target": 1000,
            "attempts": queries.pop("timeline_attempts"),
        },
        {
            "benchmark": "runs_query_ms",
            "value": max(ms for name, ms in queries.items() if "p99" in name),
            "unit": "ms (p99, worst page kind)",
            "target": 50,
            "runs": found["items"],
            **queries,
        },
    ]


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line))
