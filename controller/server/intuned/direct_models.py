"""Bodies of Intuned's Run API and AuthSessions API, as its Python SDK (``intuned-client``)
sends and reads them.

Requests accept what the SDK sends (unknown fields too, as Intuned's API does); responses are
exactly the SDK's shapes, with ``None`` fields left out where the SDK's models have a union of
shapes (an operation's result is one of five, told apart by ``status``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...vocabulary import AuthSessionStatus, DirectRunStatus, OperationStatus


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetryIn(_In):
    maximumAttempts: int = Field(default=3, ge=1)


class SessionSteps(_In):
    """How an AuthSession operation checks and creates the session."""

    checkAttempts: int = Field(default=3, ge=1)
    createAttempts: int = Field(default=3, ge=1)
    proxy: str | None = Field(default=None, description="A proxy URL for the session's steps.")
    saveTrace: bool | None = Field(
        default=None, description="Accepted, no effect: the steps are never traced."
    )


class RunAuthSessionIn(SessionSteps):
    id: str | None = None
    autoRecreate: bool = True
    requestTimeout: int = Field(default=600, ge=1)
    runtimeInput: dict[str, Any] | None = Field(
        default=None, description="Runtime-based AuthSessions are not supported (400)."
    )


class RunStartIn(_In):
    """One automation with parameters, like a one-item Job (``sink`` as a Job's)."""

    api: str = Field(min_length=1)
    parameters: dict[str, Any] = {}
    proxy: str | None = None
    saveTrace: bool | None = Field(
        default=None, description="true: keep every attempt's trace; false: none."
    )
    requestTimeout: int = Field(default=600, ge=1)
    retry: RetryIn | None = None
    authSession: RunAuthSessionIn | None = None
    sink: dict[str, Any] | None = None


class RunStartOut(_Out):
    runId: str = Field(description="The one-off JobRun's ID (GET job-runs/{id} shows it too).")
    status: Literal["pending"]


class RunErrorOut(_Out):
    message: str
    code: str
    category: str
    retirable: bool = False
    doc_url: str | None = None
    correlation_id: str | None = None
    details: Any = None


class RunReasonOut(_Out):
    type: str
    message: str


class RunResultOut(_Out):
    runId: str
    status: DirectRunStatus
    result: Any = None
    error: RunErrorOut | None = None
    message: str | None = None
    reason: RunReasonOut | None = None


class AuthSessionOut(_Out):
    id: str
    type: Literal["CREDENTIALS", "RECORDER"]
    status: AuthSessionStatus


class AuthSessionUpdateIn(SessionSteps):
    parameters: dict[str, Any] = Field(description="The credentials create.py logs in with.")


class AuthSessionCreateIn(AuthSessionUpdateIn):
    id: str | None = Field(default=None, description="Generated when absent.")


class AuthSessionValidateIn(SessionSteps):
    autoRecreate: bool = True
    requestTimeout: int = Field(default=600, ge=1)


class OperationStartedOut(_Out):
    status: Literal["started", "pending"]
    operationId: str


class OperationResultOut(_Out):
    status: OperationStatus
    authSessionId: str | None = None
    runId: str | None = None
    message: str | None = None
    error: RunErrorOut | None = None
    reason: RunReasonOut | None = None
