"""What a Job's charts show of each of its recent JobRuns: Runs ended per minute, the share that
succeeded, and attempt durations (50th, 90th and 99th percentiles, over a sample of its attempts
read from the store). Pure: a JobRun and durations in, figures out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import JobRun

DURATION_SAMPLE = 5_000
"""Attempts read per JobRun for its duration percentiles (any 5,000 of a larger JobRun's)."""


@dataclass(frozen=True)
class JobRunFigures:
    job_run_id: str
    started_at: int
    ended_runs: int
    runs_per_minute: float
    success_rate: float | None
    """Succeeded over ended Runs (None: none ended)."""
    duration_ms: dict[str, int | None]
    """``p50``, ``p90``, ``p99`` of its attempts' durations (None: no attempt ended)."""


def percentile(ordered: Sequence[int], q: float) -> int | None:
    """The nearest-rank ``q`` percentile of ``ordered`` (sorted ascending)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def figures(job_run: JobRun, durations: Sequence[int], now: int) -> JobRunFigures:
    started = job_run.start_time or job_run.created_at
    ended = job_run.successful_runs + job_run.failed_runs
    minutes = max((job_run.end_time or now) - started, 1) / 60_000
    ordered = sorted(durations)
    return JobRunFigures(
        job_run.id,
        started,
        ended,
        round(ended / minutes, 2),
        round(job_run.successful_runs / ended, 4) if ended else None,
        {f"p{q}": percentile(ordered, q) for q in (50, 90, 99)},
    )
