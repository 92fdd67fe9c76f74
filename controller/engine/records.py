"""The engine's state: Jobs, JobRuns and Runs as plain mutable records.

Statuses, reason types and error categories are exactly those of the reference API. A Run's
``attempts`` counts only attempts that *ended* (success or counted failure): an attempt that was
in flight when the controller died, or that a pause cancelled, never consumes retry budget.
``launches`` counts every start, so each start gets a fresh attempt ID and late events from an
abandoned attempt can be recognised and ignored.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from ..schedule import CompiledSchedule
from ..spec import JobDefinition

JobRunStatus = Literal[
    "PENDING", "PAUSING", "PAUSED", "RESUMING", "COMPLETED", "FAILURE", "TERMINATED", "CANCELED"
]
JobRunType = Literal["MANUAL", "SCHEDULED"]
RunStatus = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TERMINATED"]

ACTIVE_JOB_RUN: frozenset[str] = frozenset({"PENDING", "PAUSING", "PAUSED", "RESUMING"})
FINAL_RUN: frozenset[str] = frozenset({"SUCCEEDED", "FAILED", "TERMINATED"})

REASON_TYPES = (
    "terminated",
    "user-request",
    "auth-session-not-found",
    "auth-session-invalid-mid-job",
    "auth-session-validate-dependency-failed",
    "auth-session-locked",
    "another-job-run-active",
    "insufficient-resource-credits",
    "s3-sink-error",
)
ERROR_CATEGORIES = ("infrastructure", "execution", "auth", "user", "billing")


def reason(kind: str, message: str) -> dict[str, str]:
    assert kind in REASON_TYPES, kind
    return {"type": kind, "message": message}


def error(code: str, category: str, message: str) -> dict[str, str]:
    assert category in ERROR_CATEGORIES, category
    return {"code": code, "category": category, "message": message}


@dataclass(slots=True)
class Job:
    job_id: str
    definition: JobDefinition
    first_seen: int
    last_tick: int | None = None
    paused: bool = False
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
    status: RunStatus = "PENDING"
    attempts: int = 0
    launches: int = 0
    result: Any = None
    error: dict[str, Any] | None = None
    reason: dict[str, Any] | None = None
    started_at: int | None = None
    ended_at: int | None = None
    deadline: int | None = None
    extended_from: str | None = None
    trace_url: str | None = None
    log_url: str | None = None

    @property
    def attempt_id(self) -> str:
        """ID of the current (latest) launch of this Run."""
        return f"{self.id}.{self.launches}"


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
    results_seq: int = 0
    """Results lines recorded so far for this JobRun (the next line gets results_seq + 1)."""
    runs: dict[str, Run] = field(default_factory=dict)
    pending: deque[str] = field(default_factory=deque)
    """IDs of PENDING Runs in start order (a queue; the head is started first)."""
    running: set[str] = field(default_factory=set)

    canceling: dict[str, int] = field(default_factory=dict)
    """Attempts cancelled by a pause, awaiting their exit: attempt ID -> give-up deadline."""
    auth_validated: bool = False
    """The AuthSession passed validation since the JobRun started or resumed. Until it has, one
    attempt at a time runs (it validates, or recreates, the session for all the others)."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_RUN
