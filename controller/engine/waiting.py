"""Why pending Runs are not running yet: computed from the engine's state, never stored.

A JobRun's pending Runs wait for the first of: its Job being paused; its AuthSession being
validated (one attempt runs first, for all); a worker for attempts already started (a pool Pod
starting, a worker process launching); the Job's ``maxConcurrentRequests``; the controller's
worker cap (``--max-workers``, or a launcher's smaller capacity), where JobRuns are served in
the order they started and ``position`` says how many are served first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..vocabulary import WaitingReason
from .records import JobRun, Run


@dataclass(frozen=True)
class Waiting:
    reason: WaitingReason
    message: str
    position: int | None = None
    """With ``worker-capacity``: 1 for the JobRun served next, 2 for the one after, ..."""

    def short(self) -> str:
        """One line (a resource's ``status.waitingFor``)."""
        return self.reason if self.position is None else f"{self.reason} (#{self.position})"


def job_run_waiting(
    job_run: JobRun,
    *,
    job_paused: bool,
    running_total: int,
    max_workers: int,
    ahead: int,
) -> Waiting | None:
    """Why the JobRun's pending Runs do not run (None: nothing waits, or it starts now).
    ``ahead``: JobRuns that started before it and also wait for a worker."""
    running = [job_run.runs[r] for r in job_run.running]
    unstarted = sum(1 for run in running if not run.worker_started)
    if not job_run.active or (job_run.pending_count == 0 and unstarted == 0):
        return None
    if job_paused or job_run.status in ("PAUSING", "PAUSED"):
        return Waiting("paused", "its Job is paused; resume it to go on")
    if job_run.auth_session is not None and not job_run.auth_validated and running:
        return Waiting(
            "auth-session-validation",
            f"one attempt checks AuthSession {job_run.auth_session} before the others start",
        )
    if unstarted:
        return Waiting("no-worker-ready", f"{unstarted} started attempt(s) wait for a worker")
    if len(job_run.running) >= job_run.concurrency:
        return Waiting(
            "concurrency-limit",
            f"maxConcurrentRequests ({job_run.concurrency}) attempts of it are running",
        )
    if running_total >= max_workers:
        return Waiting(
            "worker-capacity",
            f"the controller runs {max_workers} attempts at once, all busy; "
            f"{ahead} JobRun(s) are served before it",
            position=ahead + 1,
        )
    return None


def run_waiting(run: Run | None, status: str, job_run: Waiting | None) -> Waiting | None:
    """A Run's reason: a pending Run waits for what its JobRun waits for; a running one whose
    attempt has not reached a worker waits for a worker. ``run``: the engine's record, if it
    holds the Run."""
    if status == "PENDING":
        return job_run
    if status == "RUNNING" and run is not None and not run.worker_started:
        return Waiting("no-worker-ready", "its attempt waits for a worker")
    return None


def capacity_queue(job_runs: Iterable[JobRun]) -> dict[str, int]:
    """JobRun ID -> how many JobRuns are served before it, for those with pending Runs (the
    order in which dispatch serves them)."""
    return {
        job_run.id: ahead
        for ahead, job_run in enumerate(r for r in job_runs if r.pending_count > 0)
    }
