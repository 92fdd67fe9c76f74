"""Response and request bodies of the REST API, as pydantic models (they make ``/openapi.json``).

Shapes follow Intuned's Jobs API as its Python SDK (``intuned-client``) models it: the Get Job
Run response is the reference's ``{jobRun, results}`` with snake_case fields; Jobs are listed as
a bare list and read as one flat object; create, update, pause, resume, trigger and terminate
answer with a ``message``; errors are ``{code, category, message, retirable, correlationId}``.
Fields beyond the SDK's are extensions, said so in their descriptions.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...vocabulary import (
    ApiJobRunStatus,
    ApiJobSource,
    AttemptOutcome,
    ErrorCategory,
    JobReasonType,
    JobRunType,
    JobState,
    ReasonType,
    RunStatus,
    WaitingReason,
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReasonOut(_Out):
    type: ReasonType
    message: str
    details: Any = None


class JobRunErrorOut(_Out):
    message: str
    code: str
    category: ErrorCategory
    details: Any = None
    correlationId: str | None = None
    retirable: bool | None = None
    doc_url: str | None = None


class RerunOfOut(_Out):
    jobRunId: str
    runIds: list[str]


class WaitingOut(_Out):
    reason: WaitingReason
    message: str
    position: int | None = Field(
        default=None, description="With worker-capacity: 1 is served next, 2 after it, ..."
    )


class JobRunOut(_Out):
    id: str
    start_time: str
    end_time: str | None
    workspace_id: str
    project_id: str
    job_id: str
    created_at: str
    updated_at: str
    type: JobRunType
    status: ApiJobRunStatus
    payloads: int | None
    successful_runs: int | None
    failed_runs: int | None
    error: JobRunErrorOut | None
    reason: ReasonOut | None
    job_configuration_snapshot: dict[str, Any] = Field(
        description="The Job's definition when the JobRun was created (secrets masked)."
    )
    rerunOf: RerunOfOut | None = Field(
        default=None,
        description="Extension, only on a rerun: the JobRun and Runs whose items it runs.",
    )
    scheduled_time: str | None = Field(
        default=None,
        description="Extension, only on a SCHEDULED JobRun: the tick it was created for.",
    )


class ResultsOut(_Out):
    signed_url: str
    signed_url_expiration: str | None = None
    size: int | None = None
    key: str | None = None
    format: str


class JobRunResponse(_Out):
    jobRun: JobRunOut
    results: ResultsOut | None = None


class JobRunsResponse(_Out):
    jobRuns: list[JobRunOut]
    totalCount: int = Field(description="JobRuns of the Job the controller holds, all pages.")


class TriggerResponse(_Out):
    jobRunId: str
    message: str
    jobRun: JobRunOut = Field(description="Extension: the JobRun the trigger created.")


class TerminateResponse(_Out):
    message: str
    jobRun: JobRunOut = Field(description="Extension: the JobRun as it ended.")
    results: ResultsOut | None = None


class ProgressOut(_Out):
    id: str
    status: str
    payloads: int
    pending: int
    running: int
    succeeded: int
    failed: int
    terminated: int
    waitingFor: WaitingOut | None = Field(
        default=None, description="Extension: why its pending Runs are not running now."
    )


class JobReasonOut(_Out):
    type: JobReasonType
    message: str


class _JobFields(_Out):
    id: str
    workspace_id: str
    project_id: str
    configuration: dict[str, Any]
    payload: list[dict[str, Any]]
    sink: dict[str, Any] | None
    schedule: dict[str, Any] | None
    next_run_time: str | None
    last_run_time: str | None = Field(description="When the Job's latest JobRun was created.")
    created_at: str
    auth_session: dict[str, Any] | None
    notifications: list[dict[str, Any]] | None
    reason: JobReasonOut | None = Field(description="Why the Job is paused, while it is.")
    state: JobState
    schedule_id: str | None
    source: ApiJobSource = Field(
        description="CODE: a job file or a Job resource (read-only through the API); API: "
        "created here."
    )


class JobOut(_JobFields):
    """An item of the Jobs list (secrets masked)."""

    proxy: dict[str, Any] | None = Field(description="{version, url}, the URL masked.")


class JobDetailsOut(_JobFields):
    """One Job, as Intuned's Get Job returns it: the project as ``projectId``, the proxy as
    its (masked) URL."""

    projectId: str
    proxy: str | None


class CreatedResponse(_Out):
    id: str
    message: Literal["created"]


class UpdatedResponse(_Out):
    id: str
    message: Literal["updated job successfully"]


class PausedResponse(_Out):
    message: Literal["Paused"]


class ResumedResponse(_Out):
    message: Literal["Resumed"]


class ServerInfo(_Out):
    workspaceId: str
    projectName: str


class ErrorOut(_Out):
    code: str
    category: Literal["user", "infrastructure"]
    message: str
    retirable: bool = False
    details: Any = None
    correlationId: str


class RunOut(_Out):
    """Extension: one Run of a JobRun, as stored at the last saved pass."""

    id: str
    api: str
    parameters: dict[str, Any]
    status: RunStatus
    attempts: int = Field(description="Attempts that ended and counted (retries used + 1).")
    resultPreview: str | None = Field(
        description="The start of the result's JSON (cut at 200 characters, with '…')."
    )
    error: dict[str, Any] | None
    reason: dict[str, Any] | None
    startedAt: str | None
    endedAt: str | None
    traceUrl: str | None = Field(description="The last attempt's trace, if kept.")
    logUrl: str | None = Field(description="The last attempt's log.")
    waitingFor: WaitingOut | None = Field(
        default=None, description="Why it is not running now (pending, or waiting for a worker)."
    )
    extendedFrom: str | None = Field(description="The Run whose extend_payload added this one.")
    attributes: dict[str, str | int | float | bool | None] | None = Field(
        default=None, description="What its last attempt set with set_attribute()."
    )


class RunsPage(_Out):
    runs: list[RunOut]
    nextCursor: str | None = Field(description="Pass as ?cursor= for the next page; null: done.")


class AttemptOut(_Out):
    id: str
    number: int = Field(
        description="The attempt_number it was started with: which of the Run's attempts, from "
        "1 (a start that used none, cancelled or interrupted, shares it with the next start)."
    )
    outcome: AttemptOutcome
    startedAt: str | None
    endedAt: str
    durationMs: int | None
    error: dict[str, Any] | None
    traceUrl: str | None
    logUrl: str | None


class RunWithResult(RunOut):
    result: Any = None


class RunDetail(_Out):
    run: RunWithResult
    attempts: list[AttemptOut]
