"""Intuned's Run API and AuthSession operations as one-off JobRuns, and back. Pure.

A direct Run (``run/start``) is a one-item JobRun of its own one-off Job (``Engine.start_direct``):
the same workers, worker cap, retries, timeouts, proxy, AuthSession and sink as any JobRun, and
its ``runId`` is that JobRun's ID. Its ``extend_payload`` items are dropped (``maxRuns: 1``, said
in the JobRun's log): a Run alone has no JobRun to extend. An AuthSession operation (create,
update, validate) is a JobRun of one attempt that only authenticates (``AUTHENTICATE_ONLY_API``):
the worker checks the session and, as allowed, recreates it, through the same broker as Jobs.

Results come from the JobRun's results line once it has ended, so they read the same after a
restart. Error codes are mapped onto Intuned's (its SDK accepts no others); ours stay in
``details.jobctlCode``.
"""

from __future__ import annotations

from typing import Any

from ...engine import JobRun
from ...vocabulary import (
    AUTHENTICATE_ONLY_API,
    INTUNED_RUN_ERROR_CODES,
    DirectKind,
    DirectRunStatus,
    OperationStatus,
)
from .direct_models import RunStartIn, SessionSteps

ONE_ATTEMPT_AT_A_TIME = {"maxConcurrentRequests": 1, "maxRuns": 1}


def run_document(body: RunStartIn) -> dict[str, Any]:
    """The one-off Job of a direct Run (the caller has refused runtime-based AuthSessions)."""
    retry = {"maximumAttempts": body.retry.maximumAttempts if body.retry else 3}
    document: dict[str, Any] = {
        "payload": [{"api": body.api, "parameters": body.parameters}],
        "configuration": {
            "retry": retry,
            "requestTimeout": body.requestTimeout,
            **ONE_ATTEMPT_AT_A_TIME,
        },
    }
    if body.saveTrace is not None:
        document["configuration"]["trace"] = "on" if body.saveTrace else "off"
    if body.proxy:
        document["proxy"] = body.proxy
    if body.sink is not None:
        document["sink"] = body.sink
    session = body.authSession
    if session is not None and session.id is not None:
        document["auth_session"] = _session_ref(
            session.id, session.checkAttempts, session.createAttempts, session.autoRecreate
        )
    return document


def operation_document(
    session_id: str, steps: SessionSteps, *, auto_recreate: bool = True, request_timeout: int = 600
) -> dict[str, Any]:
    """The one-off Job of an AuthSession operation: one attempt, which authenticates only
    (check, and recreate when it fails and that is allowed; ``checkAttempts`` and
    ``createAttempts`` are the tries within it)."""
    document: dict[str, Any] = {
        "payload": [{"api": AUTHENTICATE_ONLY_API}],
        "configuration": {
            "retry": {"maximumAttempts": 1},
            "requestTimeout": request_timeout,
            **ONE_ATTEMPT_AT_A_TIME,
        },
        "auth_session": _session_ref(
            session_id, steps.checkAttempts, steps.createAttempts, auto_recreate
        ),
    }
    if steps.proxy:
        document["proxy"] = steps.proxy
    return document


def _session_ref(session_id: str, check: int, create: int, recreate: bool) -> dict[str, Any]:
    return {
        "id": session_id,
        "checkAttempts": check,
        "createAttempts": create,
        "autoRecreate": recreate,
    }


def run_result_object(job_run: JobRun, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """``run/{runId}/result``: pending, started, then completed, failed or canceled."""
    body: dict[str, Any] = {"runId": job_run.id}
    if job_run.active:
        status: DirectRunStatus = "started" if job_run.running else "pending"
        return {**body, "status": status}
    info = _ended_run(job_run, lines)
    if info.get("error"):
        error = intuned_error(info["error"], job_run.id)
        return {**body, "status": "failed", "error": error, "message": error["message"]}
    if info.get("reason"):
        return {**body, "status": "canceled", **_canceled(info["reason"])}
    return {**body, "status": "completed", "result": info.get("result")}


def operation_result_object(
    kind: DirectKind, job_run: JobRun, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    """An AuthSession operation's ``result``: pending, in_progress, then done, failed or
    canceled."""
    status: OperationStatus
    if job_run.active:
        status = "in_progress" if job_run.running else "pending"
        return {"status": status, "runId": job_run.id} if job_run.running else {"status": status}
    info = _ended_run(job_run, lines)
    if info.get("error"):
        error = intuned_error(info["error"], job_run.id)
        if kind != "validate" and error["code"] == "auth-check-failed":
            error["code"] = "create-attempts-failed"
        return {"status": "failed", "message": error["message"], "error": error}
    if info.get("reason"):
        return {"status": "canceled", **_canceled(info["reason"])}
    return {"status": "done", "authSessionId": job_run.auth_session}


def intuned_error(error: dict[str, Any], correlation_id: str) -> dict[str, Any]:
    code = INTUNED_RUN_ERROR_CODES.get(error["code"], "script-unexpected-error")
    return {
        "message": error["message"],
        "code": code,
        "category": error["category"],
        "retirable": error["category"] == "infrastructure",
        "correlation_id": correlation_id,
        "details": {"jobctlCode": error["code"]},
    }


def _ended_run(job_run: JobRun, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The Run's ``apiInfo``; a JobRun that ended with no Run ended (none started) reads as
    canceled with its own reason."""
    if lines:
        info: dict[str, Any] = lines[0]["apiInfo"]
        return info
    why = job_run.reason or {"type": "terminated", "message": f"the JobRun ended {job_run.status}"}
    return {"reason": why}


def _canceled(why: dict[str, Any]) -> dict[str, Any]:
    return {"message": why["message"], "reason": {"type": why["type"], "message": why["message"]}}
