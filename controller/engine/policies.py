"""Pure rules about JobRuns that have ended: which ones a Job's history keeps, and when one
pauses its Job (``pauseOnFailure``)."""

from __future__ import annotations

from collections.abc import Iterable

from . import ids
from .records import JobRun


def beyond_history(job_runs: Iterable[JobRun], job_id: str, limit: int) -> list[JobRun]:
    """The Job's finished JobRuns beyond its ``limit`` newest, to prune: those that never
    started (CANCELED overlap and refusal records, which have no results) go before any that
    ran, so a burst of overlapping triggers never prunes the JobRun whose results people want.
    Direct JobRuns (each of its own one-off Job) are kept ``limit`` in all."""
    direct = ids.direct_kind(job_id) is not None

    def kept_together(other: str) -> bool:
        return (ids.direct_kind(other) is not None) if direct else other == job_id

    finished = sorted(
        (r for r in job_runs if kept_together(r.job_id) and not r.active),
        key=lambda r: (r.start_time is not None, r.created_at, r.id),
    )
    return finished[: max(0, len(finished) - limit)]


def failure_pause_note(job_run: JobRun) -> str | None:
    """Why its Job pauses now that the JobRun ended, if it does: ``pauseOnFailure`` is set and
    the JobRun ended FAILURE, or COMPLETED with failed Runs."""
    if not job_run.snapshot.get("configuration", {}).get("pauseOnFailure"):
        return None
    if job_run.status != "FAILURE" and not (
        job_run.status == "COMPLETED" and job_run.failed_runs > 0
    ):
        return None
    return (
        f"paused on failure (pauseOnFailure): JobRun {job_run.id} ended {job_run.status} "
        f"with {job_run.failed_runs} failed Run(s); resume the Job once it is fixed"
    )
