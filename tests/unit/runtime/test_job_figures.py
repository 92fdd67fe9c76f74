"""What a Job's charts show of a JobRun: Runs per minute, success rate, duration percentiles."""

from __future__ import annotations

from controller.engine import JobRun
from controller.runtime.job_figures import figures, percentile


def test_percentiles_are_nearest_rank() -> None:
    ordered = list(range(1, 101))
    assert [percentile(ordered, q) for q in (50, 90, 99)] == [50, 90, 99]
    assert percentile([7], 99) == 7 and percentile([], 50) is None


def test_a_jobruns_figures_count_its_ended_runs_over_its_time() -> None:
    job_run = JobRun(
        id="jr_1",
        job_id="job",
        type="MANUAL",
        status="PENDING",
        created_at=0,
        snapshot={},
        concurrency=1,
        request_timeout_ms=0,
        start_time=60_000,
        successful_runs=9,
        failed_runs=3,
    )
    made = figures(job_run, [300, 100, 200], now=180_000)  # 12 Runs ended in 2 minutes
    assert (made.started_at, made.ended_runs, made.runs_per_minute) == (60_000, 12, 6.0)
    assert made.success_rate == 0.75
    assert made.duration_ms == {"p50": 200, "p90": 300, "p99": 300}
    job_run.successful_runs = job_run.failed_runs = 0
    assert figures(job_run, [], now=180_000).success_rate is None
