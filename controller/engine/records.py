"""The engine's state: Jobs, JobRuns and Runs as plain mutable records.

Statuses, reason types and error categories are those of ``vocabulary``. A Run's
``attempts`` counts only attempts that *ended* (success or counted failure): an attempt that was
in flight when the controller died, or that a pause cancelled, never consumes retry budget.
``launches`` counts every start, so each start gets a fresh attempt ID and late events from an
abandoned attempt can be recognised and ignored.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..schedule import CompiledSchedule
from ..spec import JobDefinition
from ..vocabulary import ACTIVE_JOB_RUN, JobRunStatus, JobRunType, RunStatus


@dataclass(frozen=True, slots=True)
class KnownJob:
    """What is stored of a Job between runs of the controller (its definition comes from its
    source each time)."""

    job_id: str
    first_seen: int
    last_tick: int | None = None
    paused: bool = False
    pause_note: str | None = None
    backfill: tuple[int, ...] = ()


@dataclass(slots=True)
class Job:
    job_id: str
    definition: JobDefinition
    first_seen: int
    last_tick: int | None = None
    paused: bool = False
    pause_note: str | None = None
    """Why it was paused, in the words of whoever paused it (a person, or ``pauseOnFailure``)."""
    backfill: deque[int] = field(default_factory=deque)
    """Ticks of a backfill still to run, oldest first, one JobRun at a time (stored)."""
    schedule: CompiledSchedule | None = None
    next_due: int | None = None
    """When the schedule next needs attention (tick plus jitter); derived, not stored."""


@dataclass(slots=True)
class Run:
    id: str
    job_run_id: str
    seq: int
    api_name: str
    parameters: dict[str, Any]
    max_attempts: int
    extended_from: str | None = None
    request_timeout_ms: int | None = None
    """The payload item's own ``requestTimeout``; None: the JobRun's."""
    status: RunStatus = "PENDING"
    attempts: int = 0
    launches: int = 0
    result: Any = None
    error: dict[str, Any] | None = None
    reason: dict[str, Any] | None = None
    started_at: int | None = None
    ended_at: int | None = None
    trace_url: str | None = None
    log_url: str | None = None
    result_seq: int | None = None
    """The position of its line in the JobRun's results file, once it has ended (from 1)."""
    attributes: dict[str, Any] | None = None
    """What its last attempt set with ``set_attribute`` (Intuned's run attributes)."""
    deadline: int | None = None
    worker_started: bool = False
    """The current attempt reached a worker (not stored; False while it waits for one)."""
    attempt_started_at: int | None = None
    """When the current attempt was launched (not stored: an attempt in flight at a crash
    leaves no record, and uses no retry)."""
    restored: bool = False
    """Its attempt was in flight when the controller stopped, and its outcome may still come
    from a worker that outlived the controller (not stored)."""

    @property
    def attempt_id(self) -> str:
        """ID of the current (latest) launch of this Run."""
        return attempt_id(self.id, self.launches)


def attempt_id(run_id: str, launch: int) -> str:
    return f"{run_id}.{launch}"


@dataclass(slots=True)
class JobRun:
    id: str
    job_id: str
    type: JobRunType
    status: JobRunStatus
    created_at: int
    snapshot: dict[str, Any]
    concurrency: int
    request_timeout_ms: int
    scheduled_time: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    updated_at: int = 0
    payloads: int = 0
    successful_runs: int = 0
    failed_runs: int = 0
    reason: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    auth_session: str | None = None
    rerun_of: dict[str, Any] | None = None
    """For a rerun: ``{"jobRunId": origin, "runIds": [...]}``, the Runs whose items it runs."""
    results_seq: int = 0
    """Results lines recorded so far for this JobRun (the next line gets results_seq + 1)."""
    runs: dict[str, Run] = field(default_factory=dict)
    """Its held Runs: running, pending (not spilled), and those that ended in the current pass
    (a Run leaves once the pass that ended it is taken to be saved: ``take_output``)."""
    pending: deque[str] = field(default_factory=deque)
    """IDs of PENDING Runs in start order (a queue; the head is started first)."""
    running: set[str] = field(default_factory=set)

    canceling: dict[str, int] = field(default_factory=dict)
    """Attempts cancelled by a pause, awaiting their exit: attempt ID -> give-up deadline."""
    infrastructure_streak: int = 0
    """Attempts failed with an infrastructure error since the last that did not (not stored:
    a restart starts counting again)."""
    dropped_items: int = 0
    """``extend_payload`` items refused at ``maxRuns`` (not stored): said once when the first
    is, and counted when the JobRun ends, not a line per call."""
    auth_validated: bool = False
    """The AuthSession passed validation since the JobRun started or resumed. Until it has, one
    attempt at a time runs (it validates, or recreates, the session for all the others)."""
    spilled: int = 0
    """Pending Runs not held in memory, only in the store (see ``spill``)."""
    held_through: int = -1
    """Every pending Run up to this position is held (see ``spill``)."""
    stopping: tuple[JobRunStatus, str] | None = None
    """The JobRun ends with this status and message once its spilled Runs are loaded (the next
    pass): each gets its results line. Not stored: a crash before then forgets it."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_RUN

    @property
    def pending_count(self) -> int:
        """Pending Runs, held or spilled."""
        return len(self.pending) + self.spilled

    @property
    def summary(self) -> str:
        """Its counts in one sentence, the same wherever a person reads them (status messages,
        Events, notices, the command line)."""
        text = f"{self.successful_runs} succeeded, {self.failed_runs} failed of {self.payloads}"
        if self.dropped_items:
            text += f"; {self.dropped_items} extend_payload items dropped at maxRuns"
        return text


def timeout_ms(job_run: JobRun, run: Run) -> int:
    """How long one attempt of ``run`` may take: its item's ``requestTimeout``, else the Job's."""
    return run.request_timeout_ms or job_run.request_timeout_ms
