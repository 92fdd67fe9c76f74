"""Progress lines of active JobRuns for people, at most one per JobRun every few seconds."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import JobRun

PROGRESS_EVERY_MS = 2_000


class ProgressLines:
    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        """Active JobRun -> when its progress was last told (forgotten when it ends)."""

    def lines(self, now: int, changed: list[JobRun]) -> Iterator[str]:
        for job_run in changed:
            if not job_run.active:
                self._last.pop(job_run.id, None)
                continue
            if now - self._last.get(job_run.id, 0) < PROGRESS_EVERY_MS:
                continue
            self._last[job_run.id] = now
            done = job_run.successful_runs + job_run.failed_runs
            yield (
                f"{job_run.job_id} {job_run.id}: {done}/{job_run.payloads} finished "
                f"({job_run.successful_runs} ok, {job_run.failed_runs} failed), "
                f"{len(job_run.running)} running"
            )
