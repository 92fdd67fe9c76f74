"""The words every layer shares, typed once: statuses, reasons, errors and worker events.

Everything here is a ``Literal`` (so mypy refuses a misspelt status where it is written, not
where it is read) with the tuple of its values for code that needs them at run time (schemas,
metrics). Values are exactly those of the reference API; extensions say so. This module is the
lowest layer: it imports nothing of the project, and every package may import it.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

GROUP = "intuned.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
"""The ``apiVersion`` of every resource kind (Job, JobRun, AuthSession)."""

JOB_LABEL = f"{GROUP}/job"
"""On JobRun resources and attempt Pods: the Job's name."""
JOB_RUN_LABEL = f"{GROUP}/jobrun"
RUN_LABEL = f"{GROUP}/run"
ATTEMPT_LABEL = f"{GROUP}/attempt"
ATTEMPT_POD_LABELS = (JOB_LABEL, JOB_RUN_LABEL, RUN_LABEL, ATTEMPT_LABEL)
"""An attempt Pod's labels, in the order of its Job, JobRun, Run and attempt IDs."""
POOL_LABEL = f"{GROUP}/pool"
"""On pool Pods: the key of their pool."""
CREATED_BY_LABEL = f"{GROUP}/created-by"
"""``jobctl`` on the JobRun resources the engine made (a schedule tick, the REST API)."""
ENGINE_ID_ANNOTATION = f"{GROUP}/jobrun-id"
"""On a JobRun resource: the engine's JobRun ID, where its name is not."""
SOURCE_LABEL = f"{GROUP}/source"
"""``code`` on resources made from files in git (``jobctl apply``, the repo sync)."""
PATH_ANNOTATION = f"{GROUP}/path"
COMMIT_ANNOTATION = f"{GROUP}/commit"
BACKFILL_ANNOTATION = f"jobctl.{GROUP}/backfill"
"""On a Job resource: ``FROM/TO`` (ISO 8601 instants) queues the Job's ticks in [FROM, TO).
Not under ``intuned.io/``: kopf keeps its diff base there and leaves that prefix out of the
changes it reports, so an annotation in it would never be seen to change."""
FINALIZER = f"{GROUP}/jobctl"

JobRunStatus = Literal[
    "PENDING", "PAUSING", "PAUSED", "RESUMING", "COMPLETED", "FAILURE", "TERMINATED", "CANCELED"
]
JOB_RUN_STATUSES: tuple[JobRunStatus, ...] = get_args(JobRunStatus)
ACTIVE_JOB_RUN: frozenset[JobRunStatus] = frozenset({"PENDING", "PAUSING", "PAUSED", "RESUMING"})
FINAL_JOB_RUN: frozenset[JobRunStatus] = frozenset(JOB_RUN_STATUSES) - ACTIVE_JOB_RUN
"""A JobRun in one of these has ended: COMPLETED, FAILURE, TERMINATED, CANCELED."""
ApiJobRunStatus = Literal[JobRunStatus, "SUCCESS"]
"""What the reference API may answer: ours, and ``SUCCESS`` (which this controller never sets)."""

JobRunType = Literal["MANUAL", "SCHEDULED"]

RunStatus = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TERMINATED"]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
FINAL_RUN: frozenset[RunStatus] = frozenset({"SUCCEEDED", "FAILED", "TERMINATED"})
UNFINISHED_RUN: tuple[RunStatus, ...] = ("PENDING", "RUNNING")

ReasonType = Literal[
    "terminated",
    "user-request",
    "auth-session-not-found",
    "auth-session-invalid-mid-job",
    "auth-session-validate-dependency-failed",
    "auth-session-locked",
    "another-job-run-active",
    "insufficient-resource-credits",
    "s3-sink-error",
]
"""Why a JobRun ended or waits (the reference's closed list: clients validate it)."""
REASON_TYPES: tuple[ReasonType, ...] = get_args(ReasonType)

RunReasonType = Literal[
    "terminated",
    "job-run-terminated",
    "job-run-paused",
    "auth-session-validate-dependency-failed",
    "failed-to-initialize-job-run",
    "cancelled-user-action",
]
"""Why a Run stopped without an error of its own (Intuned's Run reason codes)."""

ErrorCategory = Literal["infrastructure", "execution", "auth", "user", "billing"]
ERROR_CATEGORIES: tuple[ErrorCategory, ...] = get_args(ErrorCategory)

ErrorCode = Literal[
    "api-not-found",
    "api-load-error",
    "automation-error",
    "browser-crashed",
    "invalid-result",
    "result-too-large",
    "non-retryable-error",
    "auth-session-expired",
    "script-timeout",
    "worker-exited",
    "worker-error",
    "auth-check-failed",
    "api-folder-missing",
    "auth-hook-missing",
    "project-environment-failed",
]
"""The codes of a Run's error: set by the worker (the first eight, and the ``PROJECT_INCOMPLETE``
ones) or the engine."""
ERROR_CODES: tuple[ErrorCode, ...] = get_args(ErrorCode)
NOT_RETRIED: frozenset[ErrorCode] = frozenset({"non-retryable-error"})
"""Codes that end a Run at once whatever its category (the API raised ``NonRetryableError``);
errors of category ``user`` are never retried either."""

AttemptOutcome = Literal[
    "succeeded", "failed", "timed-out", "worker-exited", "auth-failed", "cancelled", "interrupted"
]
"""How an attempt ended (its record): ``failed`` with the error the worker reported,
``timed-out`` past its ``requestTimeout``, ``worker-exited`` without a word, ``auth-failed``
before the API ran, ``cancelled`` by a pause or by its JobRun's end, ``interrupted`` by a stop
of the controller, with no outcome after it (the Run ran again without using an attempt)."""
ATTEMPT_OUTCOMES: tuple[AttemptOutcome, ...] = get_args(AttemptOutcome)

IntunedRunErrorCode = Literal[
    "script-execution-exception",
    "script-process-crashed",
    "script-no-valid-output-received",
    "script-unexpected-error",
    "script-timeout",
    "auth-check-failed",
]
"""The codes Intuned's Run API gives (its SDK accepts no others); ours map onto them there."""
INTUNED_RUN_ERROR_CODES: dict[ErrorCode, IntunedRunErrorCode] = {
    "api-not-found": "script-unexpected-error",
    "api-load-error": "script-unexpected-error",
    "automation-error": "script-execution-exception",
    "browser-crashed": "script-process-crashed",
    "invalid-result": "script-no-valid-output-received",
    "result-too-large": "script-no-valid-output-received",
    "non-retryable-error": "script-execution-exception",
    "auth-session-expired": "auth-check-failed",
    "script-timeout": "script-timeout",
    "worker-exited": "script-process-crashed",
    "worker-error": "script-process-crashed",
    "auth-check-failed": "auth-check-failed",
    "api-folder-missing": "script-unexpected-error",
    "auth-hook-missing": "script-unexpected-error",
    "project-environment-failed": "script-unexpected-error",
}

DirectRunStatus = Literal["pending", "started", "completed", "canceled", "failed"]
"""A direct Run's ``status`` in Intuned's Run API (``run/{runId}/result``)."""
OperationStatus = Literal["pending", "in_progress", "done", "failed", "canceled"]
"""An AuthSession operation's ``status`` (create, update, validate) in Intuned's API."""
AuthSessionStatus = Literal["PENDING", "READY", "EXPIRED"]
"""An AuthSession's ``status`` in Intuned's API: no state yet, a state that passed its last
check or recreation, a state whose check failed and could not be recreated."""
DirectKind = Literal["run", "create", "update", "validate"]
"""What a one-off JobRun of the REST API does: a direct Run (Intuned's Run API), or an
AuthSession operation (``AUTHENTICATE_ONLY_API``)."""
AUTHENTICATE_ONLY_API = "@authenticate"
"""The API name of an attempt that only authenticates (an AuthSession operation): no user API
can have it (API names are paths of ``api/*.py``); its result is ``{"authSessionId": ...}``."""

WorkerEventType = Literal[
    "started",
    "heartbeat",
    "authenticated",
    "extend_payload",
    "result",
    "failed",
    "auth-failed",
    "cancelled",
    "log",
]
"""The ``type`` of an event a worker posts about an attempt (``log``: what it printed since
the last one, for the live log; the engine never sees it)."""
WORKER_EVENT_TYPES: tuple[WorkerEventType, ...] = get_args(WorkerEventType)
FINAL_WORKER_EVENTS: frozenset[WorkerEventType] = frozenset(
    {"result", "failed", "cancelled", "auth-failed"}
)
"""Worker event types after which the attempt is over."""

API_KEY_VARIABLE = "JOBCTL_API_KEY"
"""The REST API's key, in the environment of the controller and of ``jobctl`` clients."""
STORE_VARIABLE = "JOBCTL_STORE"
"""The store's PostgreSQL URL (a password in it), in the controller's environment."""
CONTROLLER_SECRET_VARIABLES = (API_KEY_VARIABLE, STORE_VARIABLE)
"""The controller's own secrets: never in the environment of the workers it starts."""
MAX_RESULT_BYTES = 64 * 1024 * 1024
"""The largest result an attempt may return, as JSON text: larger ones fail with
``result-too-large`` in the worker, before they travel."""
INLINE_RESULT_BYTES = 1024 * 1024
"""A result up to this size travels inside its ``result`` event; a larger one is uploaded first,
streamed, to ``RESULTS_PATH``, and its event says so (``result_uploaded``)."""
RESULTS_PATH = "/results"
"""Where a worker PUTs a large result on the callback: ``/results/<jobRunId>/<attemptId>``."""

ArtifactName = Literal["trace.zip", "log.txt"]
"""What an attempt leaves behind: its Playwright trace (per the Job's trace mode) and its log."""
ARTIFACT_NAMES: tuple[ArtifactName, ...] = get_args(ArtifactName)

BackfillState = Literal["queued", "already-queued", "exists"]
"""A backfilled tick: queued now, queued by an earlier backfill, or its JobRun exists already."""
WaitingReason = Literal[
    "concurrency-limit", "worker-capacity", "auth-session-validation", "paused", "no-worker-ready"
]
"""Why a pending Run (or a JobRun with pending Runs) is not running yet."""

WarningReason = Literal["SpecError", "TerminateFailed", "NotTriggered", "BackfillFailed"]
"""Reasons of the operator's Warning Events (a JobRun's other Events are named by its status)."""

WorkerMode = Literal["pool", "pod"]
"""How the operator runs attempts (extension): warm pool Pods that pull them, or a Pod each."""
WORKER_MODES: tuple[WorkerMode, ...] = get_args(WorkerMode)
JobSourceKind = Literal["code", "api"]
"""Where a Job is defined: a file in git (``code``) or the REST API (``api``)."""
ApiJobSource = Literal["CODE", "API"]
"""``JobSourceKind`` as Intuned's API spells it (a Job's ``source``)."""
JobState = Literal["ACTIVE", "PAUSED"]
"""A Job's ``state`` in Intuned's API."""
JobReasonType = Literal["paused", "terminated"]
"""The ``reason.type`` of a Job (not a JobRun) in Intuned's API."""


def worker_event(kind: WorkerEventType, **fields: Any) -> dict[str, Any]:
    """The body of a worker's event (``fields`` as the callback reads them for ``kind``)."""
    return {"type": kind, **fields}


def reason(kind: ReasonType, message: str) -> dict[str, str]:
    """A JobRun's ``reason`` object."""
    return {"type": kind, "message": message}


def run_reason(kind: RunReasonType, message: str) -> dict[str, str]:
    """A Run's ``reason`` object."""
    return {"type": kind, "message": message}


JobRunErrorCode = Literal["internal-server-error"]
"""The codes of a JobRun's own ``error`` (Intuned's SDK accepts these and
``insufficient-resource-credits``); what went wrong is in its ``details.cause``."""
JobRunFailureCause = Literal[
    "infrastructure-failures",
    "api-folder-missing",
    "auth-hook-missing",
    "project-environment-failed",
]
PROJECT_INCOMPLETE: dict[str, JobRunFailureCause] = {
    "api-folder-missing": "api-folder-missing",
    "auth-hook-missing": "auth-hook-missing",
    "project-environment-failed": "project-environment-failed",
}
"""Run error codes that end their JobRun FAILURE at once, with their cause: the project
lacks its ``api/`` folder, or ``auth-sessions/check.py``/``create.py`` that its AuthSession
needs, so every other Run would fail the same way."""


def job_run_error(
    cause: JobRunFailureCause, message: str, correlation_id: str, last: dict[str, Any]
) -> dict[str, Any]:
    """A JobRun's ``error``: it could not go on (reference shape, ``retirable``: a new trigger
    may succeed once the cause is fixed)."""
    return {
        "code": "internal-server-error",
        "category": "infrastructure",
        "message": message,
        "details": {"cause": cause, "lastError": last},
        "correlationId": correlation_id,
        "retirable": True,
        "doc_url": None,
    }


def error(code: ErrorCode, category: ErrorCategory, message: str) -> dict[str, str]:
    """A Run's ``error`` object."""
    return {"code": code, "category": category, "message": message}


PROJECT_ENV_NAMES = "JOBCTL_PROJECT_ENV_NAMES"
"""The worker environment variable naming the project's own variables (``.env``), whose values
workers mask in attempt logs."""
