"""The ``intuned.io/v1alpha1`` resources: ``Job`` and ``JobRun`` specs and statuses.

A Job's spec is exactly the job file document plus two cluster-only settings (``suspend`` and
``worker``). Statuses hold counters and references only, never per-item data: etcd caps objects
near 1.5 MiB and a JobRun may have 100,000 items.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..vocabulary import (
    ErrorCategory,
    JobRunStatus,
    JobRunType,
    JobSourceKind,
    ReasonType,
    WorkerMode,
)
from ._base import StrictModel
from ._durations import instant_ms
from ._types import JobId
from .job import JobDefinition

Quantity = Annotated[
    str | int,
    Field(json_schema_extra={"x-kubernetes-int-or-string": True}),
]


class WorkerResources(StrictModel):
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}


class SecretKeySelector(StrictModel):
    name: str = Field(min_length=1, max_length=253)
    key: str = Field(min_length=1, max_length=253)


class EnvVarSource(StrictModel):
    secretKeyRef: SecretKeySelector


def _not_reserved(name: str) -> str:
    if name.startswith("JOBCTL_"):
        raise ValueError("JOBCTL_ variables are set by the operator; choose another name")
    return name


class WorkerEnvVar(StrictModel):
    """An environment variable of the worker container, as in a Pod (Kubernetes resolves
    ``valueFrom``; the value never passes through the operator)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"), AfterValidator(_not_reserved)]
    value: str | None = None
    valueFrom: EnvVarSource | None = None


class WorkerSettings(StrictModel):
    """Pod settings for this Job's worker Pods; unset values use the chart defaults."""

    mode: WorkerMode | None = Field(
        default=None,
        description="pool: attempts run in warm worker Pods shared by Jobs with the same "
        "settings; pod: a Pod per attempt (strongest isolation). Unset: the chart's worker.mode.",
    )
    image: str | None = None
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = None
    resources: WorkerResources | None = None
    nodeSelector: dict[str, str] = {}
    env: list[WorkerEnvVar] = Field(
        default=[], description="Extra environment of the worker container (e.g. site URLs)."
    )


def parse_interval(text: str) -> tuple[int, int]:
    """``FROM/TO`` as epoch milliseconds; an instant without an offset is UTC. ValueError
    says what is wrong."""
    start, sep, end = text.partition("/")
    if not sep:
        raise ValueError("use FROM/TO, e.g. 2026-11-01T00:00:00Z/2026-11-02T00:00:00Z")
    try:
        instants = [datetime.fromisoformat(part.strip()) for part in (start, end)]
    except ValueError:
        raise ValueError("FROM and TO must be ISO 8601 instants") from None
    first, last = (instant_ms(i) for i in instants)
    return first, last


class JobRef(StrictModel):
    name: JobId


class RerunOf(StrictModel):
    jobRun: str = Field(
        min_length=1, description="The earlier JobRun: its resource name or its ID (jr_...)."
    )
    runs: Literal["failed"] | list[str] = Field(
        default="failed", description='"failed": its Runs that ended FAILED; or these Run IDs.'
    )


class JobRunSpec(StrictModel):
    """Creating a JobRun with a ``jobRef`` triggers that Job; ``terminate: true`` stops it."""

    jobRef: JobRef
    type: JobRunType = "MANUAL"
    terminate: bool = False
    rerunOf: RerunOf | None = Field(
        default=None,
        description="Run these Runs' items of an earlier JobRun of the Job (with the Job's "
        "configuration of now) instead of its payload.",
    )
    scheduledTime: str | None = Field(
        default=None, description="The schedule tick this JobRun was created for (SCHEDULED)."
    )


class _Status(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(_Status):
    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str
    message: str = ""
    lastTransitionTime: str
    observedGeneration: int | None = None


class JobRunReference(_Status):
    name: str


class JobRunSummary(_Status):
    name: str
    status: JobRunStatus
    startTime: str | None = None
    endTime: str | None = None
    successfulRuns: int = 0
    failedRuns: int = 0


class JobSourceInfo(_Status):
    kind: JobSourceKind
    path: str | None = None
    commit: str | None = None


class JobStatus(_Status):
    observedGeneration: int | None = None
    conditions: list[Condition] = []
    lastScheduleTime: str | None = None
    nextScheduleTime: str | None = None
    active: list[JobRunReference] = []
    lastJobRun: JobRunSummary | None = None
    source: JobSourceInfo | None = None


class AuthSessionStatus(_Status):
    """Ready (the operator holds this version; its Secrets were read) or SpecError."""

    observedGeneration: int | None = None
    conditions: list[Condition] = []


class ReasonInfo(_Status):
    type: ReasonType
    message: str


class ErrorInfo(_Status):
    code: str
    category: ErrorCategory
    message: str


class ResultsReference(_Status):
    key: str
    format: str = "jsonl"
    size: int | None = None


class RerunReference(_Status):
    jobRun: str
    """The earlier JobRun's ID."""
    runCount: int


class JobRunResourceStatus(_Status):
    observedGeneration: int | None = None
    conditions: list[Condition] = []
    status: JobRunStatus | None = None
    type: JobRunType | None = None
    startTime: str | None = None
    endTime: str | None = None
    payloads: int = 0
    successfulRuns: int = 0
    failedRuns: int = 0
    pendingRuns: int = 0
    runningRuns: int = 0
    reason: ReasonInfo | None = None
    error: ErrorInfo | None = None
    results: ResultsReference | None = None
    waitingFor: str | None = None
    """Why its pending Runs are not running now (e.g. ``concurrency-limit``)."""
    rerunOf: RerunReference | None = None


class JobResourceSpec(JobDefinition):
    """``spec`` of a ``Job`` resource: the job document plus cluster-only settings."""

    suspend: bool = Field(default=False, description="true pauses the Job (no new JobRuns).")
    suspendNote: str | None = Field(
        default=None, max_length=1000, description="Why it is suspended (shown with its state)."
    )
    worker: WorkerSettings | None = None
