"""Metrics the alerts read: finished JobRuns counted once, progress age from the injected clock,
health checks and invalid definitions read when scraped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import cast

from controller.delivery import AttemptArtifacts, LocalResultsStorage
from controller.engine import Changes, Engine, JobRun
from controller.runtime import RuntimeQuery
from controller.server import ControllerMetrics, StateSources
from controller.store import DeliveryQueue, RunQueries

NOW = 1_700_000_000_000


def job_run(
    identifier: str, status: str, *, updated_at: int = NOW, job_id: str = "daily"
) -> JobRun:
    return JobRun(
        id=identifier,
        job_id=job_id,
        type="MANUAL",
        status=status,  # type: ignore[arg-type]
        created_at=NOW,
        snapshot={},
        concurrency=1,
        request_timeout_ms=1_000,
        updated_at=updated_at,
    )


class QueueOfTwo:
    """The delivery queue as the metrics read it: two deliveries, the oldest 90 s old."""

    def outstanding(self) -> int:
        return 2

    def oldest_outstanding(self) -> int:
        return NOW - 90_000


def metrics(engine: Engine, *, now: int = NOW, healthy: bool = True) -> ControllerMetrics:
    sources = StateSources(
        deliveries=Counter,
        checks=lambda: {"engine": healthy, "watches": True},
        invalid_definitions=lambda: 3,
    )
    storage = LocalResultsStorage(Path("/unused"))
    queue = cast(DeliveryQueue, QueueOfTwo())  # the two methods the metrics read
    query = RuntimeQuery(
        engine,
        queue,
        storage,
        lambda: now,
        results_path=lambda *_: Path(),
        auth_sessions={},
        auth_status=lambda _session: "PENDING",
        auth_summary=lambda _session: {},
        run_records=cast(RunQueries, None),  # the metrics read no Runs
        artifacts=AttemptArtifacts(Path("/unused")),
    )
    return ControllerMetrics(query, sources)


def test_a_finished_jobrun_is_counted_once_however_many_passes_show_it() -> None:
    collected = metrics(Engine())
    ended = job_run("jr_1", "FAILURE")
    for _ in range(3):
        collected.observe_changes(Changes(job_runs=[ended]))
    collected.observe_changes(Changes(job_runs=[job_run("jr_2", "PENDING")]))
    text = collected.render().decode()
    assert 'jobctl_job_runs_finished_total{job="daily",status="FAILURE"} 1.0' in text
    assert 'jobctl_job_runs_finished_total{job="daily",status="PENDING"}' not in text


def test_gauges_are_read_from_the_engine_the_clock_and_the_runtime_when_scraped() -> None:
    engine = Engine(max_workers=6)
    engine.job_runs["jr_1"] = job_run("jr_1", "PENDING", updated_at=NOW - 120_000)
    engine.job_runs["jr_2"] = job_run("jr_2", "PAUSED", updated_at=NOW - 999_000)
    text = metrics(engine, healthy=False).render().decode()
    assert 'jobctl_job_run_seconds_since_progress{job="daily"} 120.0' in text  # paused: not stuck
    assert "jobctl_workers_max 6.0" in text
    assert "jobctl_deliveries_oldest_queued_seconds 90.0" in text
    assert 'jobctl_healthy{check="engine"} 0.0' in text
    assert 'jobctl_healthy{check="watches"} 1.0' in text
    assert "jobctl_invalid_definitions 3.0" in text


def test_direct_runs_count_under_their_kind_not_one_series_per_run() -> None:
    engine = Engine()
    for n, age in ((1, 30_000), (2, 50_000)):
        engine.job_runs[f"jr_{n}"] = job_run(
            f"jr_{n}", "PENDING", updated_at=NOW - age, job_id=f"run.jr_{n}"
        )
    collected = metrics(engine)
    ended = [job_run(f"jr_{n}", "COMPLETED", job_id=f"run.jr_{n}") for n in (3, 4)]
    collected.observe_changes(Changes(job_runs=ended))
    text = collected.render().decode()
    assert 'jobctl_job_runs_finished_total{job="(run)",status="COMPLETED"} 2.0' in text
    assert 'jobctl_job_run_seconds_since_progress{job="(run)"} 50.0' in text
    assert "run.jr_" not in text
