"""What one engine pass produced: state to persist, then actions to take, in that order.

The driver must make ``Changes`` durable (one store transaction) *before* it performs any
``Effects``: that is what lets a crash at any point be repaired by reloading the store. Re-doing
an effect after a crash is always safe (attempts are re-run under fresh attempt IDs; results lines
are reconciled against the store's watermark).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..vocabulary import AttemptOutcome
from .deliveries import Delivery
from .launcher import AttemptRequest
from .records import Job, JobRun, Run
from .results import ResultRecord
from .spill import SpilledRuns


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One ended attempt, as stored: ``number`` is the ``attempt_number`` it was started with
    (which of the Run's attempts, from 1); starts that used no attempt (cancelled, interrupted)
    share theirs with the start after them, and ``attempt_id`` tells them apart."""

    attempt_id: str
    job_run_id: str
    run_id: str
    number: int
    started_at: int | None
    ended_at: int
    outcome: AttemptOutcome
    error: dict[str, Any] | None = None
    trace_url: str | None = None
    log_url: str | None = None


def implied_by_run(run: Run, outcome: AttemptOutcome) -> bool:
    """An attempt that is its Run's only launch and succeeded gets no record of its own: the
    Run's row holds all it would (number 1, start, end, trace and log links), and the store
    reads it from there (``RunQueries.attempts``). Most Runs are such, so a pass writes one row
    per Run, not two."""
    return outcome == "succeeded" and run.launches == 1


def ended_attempt(
    run: Run, outcome: AttemptOutcome, now: int, failure: dict[str, Any] | None
) -> AttemptRecord:
    """The record of ``run``'s current attempt, ending now. Only an attempt that reported
    (succeeded or failed) has trace and log links: the Run's are then its own."""
    reported = outcome in ("succeeded", "failed")
    return AttemptRecord(
        run.attempt_id,
        run.job_run_id,
        run.id,
        run.attempts + 1,  # not counted yet (``_record_attempt`` comes first)
        run.attempt_started_at,
        now,
        outcome,
        failure,
        run.trace_url if reported else None,
        run.log_url if reported else None,
    )


@dataclass
class Changes:
    jobs: list[Job] = field(default_factory=list)
    deleted_jobs: list[str] = field(default_factory=list)
    new_job_runs: list[JobRun] = field(default_factory=list)
    job_runs: list[JobRun] = field(default_factory=list)
    """Every JobRun created or changed (new ones are in ``new_job_runs`` too)."""
    new_runs: list[Run] = field(default_factory=list)
    spilled_runs: list[SpilledRuns] = field(default_factory=list)
    """New Runs saved without being held (``spill``)."""
    runs: list[Run] = field(default_factory=list)
    results: list[ResultRecord] = field(default_factory=list)
    missed_ticks: list[tuple[str, int]] = field(default_factory=list)
    pruned_job_runs: list[JobRun] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    """Planned in the same pass as the result or transition that causes them."""
    attempts: list[AttemptRecord] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(
            (
                self.jobs,
                self.deleted_jobs,
                self.job_runs,
                self.new_runs,
                self.spilled_runs,
                self.runs,
                self.results,
                self.missed_ticks,
                self.pruned_job_runs,
                self.deliveries,
                self.attempts,
            )
        )


@dataclass
class Effects:
    starts: list[AttemptRequest] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """One line per transition a person would want to see (JobRun created, ended, ...)."""
    loads: list[str] = field(default_factory=list)
    """JobRuns whose next spilled Runs the driver loads from the store (``Engine.hold_loaded``)
    before the next pass."""


@dataclass
class Output:
    changes: Changes
    effects: Effects
