"""Response and request bodies of the REST API, as pydantic models (they make ``/openapi.json``).

Shapes follow Intuned's Jobs API: the Get Job Run response is the reference's ``{jobRun,
results}`` with snake_case fields; errors are ``{code, category, message, retirable,
correlationId}``. Jobs have no reference response shape, so a Job is its canonical definition
(secrets masked) plus its ID, state and where it is defined.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..vocabulary import ApiJobRunStatus, ErrorCategory, JobRunType, JobSourceKind, ReasonType


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


class TriggerResponse(_Out):
    jobRunId: str
    jobRun: JobRunOut


class ProgressOut(_Out):
    id: str
    status: str
    payloads: int
    pending: int
    running: int
    succeeded: int
    failed: int
    terminated: int


class JobOut(_Out):
    id: str
    source: JobSourceKind = Field(
        description="code: defined by a file (read-only through the API); api: created here."
    )
    paused: bool
    definition: dict[str, Any] = Field(description="The Job's definition (secrets masked).")
    nextRunTime: str | None
    lastJobRun: JobRunOut | None


class JobResponse(_Out):
    job: JobOut


class JobsResponse(_Out):
    jobs: list[JobOut]


class DeletedResponse(_Out):
    deleted: str


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
