"""Intuned's Run API (``run/start``, ``run/{runId}/result``) and AuthSessions API (list, get,
delete; create, update and validate, each started and then polled for its result).

AuthSessions are those the runtime knows: files (or resources) and, in the embedded runtime,
those created here. Creating, replacing and deleting follow the Jobs' rules: a file's session is
read-only through the API (409), and in the operator every one is (resources). See
``direct_shapes`` for how a Run or an operation becomes a one-off JobRun.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated, Any

from fastapi import FastAPI, Path, Response

from ...engine import JobRun, direct_kind
from ...vocabulary import DirectKind
from ..paths import API, ERROR_RESPONSES, ProjectName, SessionId, Workspace, answer
from ..views import ApiError, Views
from .direct_models import (
    AuthSessionCreateIn,
    AuthSessionOut,
    AuthSessionUpdateIn,
    AuthSessionValidateIn,
    OperationResultOut,
    OperationStartedOut,
    RunResultOut,
    RunStartIn,
    RunStartOut,
)
from .direct_shapes import (
    operation_document,
    operation_result_object,
    run_document,
    run_result_object,
)

RunId = Annotated[str, Path(alias="runId", description="The Run's ID (run/start's runId).")]
OperationId = Annotated[str, Path(alias="operationId", description="The operation's ID.")]
RESULT: dict[str, Any] = {"response_model_exclude_none": True, "responses": ERROR_RESPONSES}
SESSION_TAGS: list[str | Enum] = ["auth sessions"]
STARTED: dict[str, Any] = {
    "response_model": OperationStartedOut,
    "status_code": 201,
    "tags": SESSION_TAGS,
    "responses": ERROR_RESPONSES,
}


def _direct(views: Views, kind: DirectKind, job_run_id: str) -> JobRun:
    job_run = views.query.job_run(job_run_id)
    if job_run is None or direct_kind(job_run.job_id) != kind:
        what = "Run" if kind == "run" else f"AuthSession {kind} operation"
        raise ApiError(404, f"no {what} {job_run_id!r} (or it has been pruned)")
    return job_run


def add_run_routes(app: FastAPI, views: Views) -> None:
    control = views.control

    @app.post(
        f"{API}/run/start",
        response_model=RunStartOut,
        status_code=201,
        tags=["runs"],
        responses=ERROR_RESPONSES,
    )
    async def start_run(
        workspace_id: Workspace, project_name: ProjectName, body: RunStartIn
    ) -> Any:
        """Run one automation now, as a one-item JobRun would (same workers and limits)."""
        views.project(workspace_id, project_name)
        session = body.authSession
        if session is not None and (session.runtimeInput is not None or session.id is None):
            raise ApiError(
                400,
                "runtime-based AuthSessions (runtimeInput) are not supported; name a "
                "credential-based AuthSession by its id (a file, or create one through the API)",
            )
        if session is not None and session.id not in views.query.auth_session_ids():
            raise ApiError(404, f"no AuthSession {session.id!r}")
        job_run: JobRun = views.command(lambda: control.start_direct("run", run_document(body)))
        return {"runId": job_run.id, "status": "pending"}

    @app.get(f"{API}/run/{{runId}}/result", response_model=RunResultOut, tags=["runs"], **RESULT)
    async def run_result(workspace_id: Workspace, project_name: ProjectName, run_id: RunId) -> Any:
        views.project(workspace_id, project_name)
        job_run = _direct(views, "run", run_id)
        lines = [] if job_run.active else views.query.final_run_lines(job_run)
        body = run_result_object(job_run, lines)
        return answer(body, body.get("result"))


def add_auth_session_routes(app: FastAPI, views: Views) -> None:
    control = views.control
    sessions = f"{API}/auth-sessions"

    def session(session_id: str) -> dict[str, Any]:
        definition = views.query.auth_session(session_id)
        if definition is None:
            raise ApiError(404, f"no AuthSession {session_id!r}")
        return {
            "id": session_id,
            "type": definition.type.upper(),
            "status": views.query.auth_status(session_id),
        }

    def start(kind: DirectKind, document: dict[str, Any]) -> str:
        job_run: JobRun = views.command(lambda: control.start_direct(kind, document))
        return job_run.id

    def result(kind: DirectKind, session_id: str | None, operation_id: str) -> dict[str, Any]:
        job_run = _direct(views, kind, operation_id)
        if session_id is not None and job_run.auth_session != session_id:
            raise ApiError(404, f"no {kind} operation {operation_id!r} of {session_id!r}")
        lines = [] if job_run.active else views.query.final_run_lines(job_run)
        return operation_result_object(kind, job_run, lines)

    @app.get(
        sessions, response_model=list[AuthSessionOut], responses=ERROR_RESPONSES, tags=SESSION_TAGS
    )
    async def list_auth_sessions(workspace_id: Workspace, project_name: ProjectName) -> Any:
        views.project(workspace_id, project_name)
        return [session(s) for s in views.query.auth_session_ids()]

    @app.get(
        f"{sessions}/{{authSessionId}}",
        response_model=AuthSessionOut,
        responses=ERROR_RESPONSES,
        tags=SESSION_TAGS,
    )
    async def get_auth_session(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> Any:
        views.project(workspace_id, project_name)
        return session(session_id)

    @app.delete(
        f"{sessions}/{{authSessionId}}",
        status_code=204,
        response_class=Response,
        responses=ERROR_RESPONSES,
        tags=SESSION_TAGS,
    )
    async def delete_auth_session(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> Response:
        """Delete an AuthSession created through the API, and its stored state."""
        views.project(workspace_id, project_name)
        session(session_id)
        views.command(lambda: control.delete_api_auth_session(session_id))
        return Response(status_code=204)

    def define_and_create(kind: DirectKind, session_id: str, body: AuthSessionUpdateIn) -> str:
        document = {"id": session_id, "credentials": body.parameters}
        create = kind == "create"
        views.command(lambda: control.put_api_auth_session(session_id, document, create=create))
        return start(kind, operation_document(session_id, body))

    @app.post(f"{sessions}/create", **STARTED)
    async def create_auth_session(
        workspace_id: Workspace, project_name: ProjectName, body: AuthSessionCreateIn
    ) -> Any:
        """Define an AuthSession by its credentials and create it (create.py, then check.py)."""
        views.project(workspace_id, project_name)
        session_id = body.id or str(uuid.uuid4())
        return {"status": "started", "operationId": define_and_create("create", session_id, body)}

    @app.get(
        f"{sessions}/create/{{operationId}}/result",
        response_model=OperationResultOut,
        tags=SESSION_TAGS,
        **RESULT,
    )
    async def create_result(
        workspace_id: Workspace, project_name: ProjectName, operation_id: OperationId
    ) -> Any:
        views.project(workspace_id, project_name)
        return result("create", None, operation_id)

    @app.post(f"{sessions}/{{authSessionId}}/update", **STARTED)
    async def update_auth_session(
        workspace_id: Workspace,
        project_name: ProjectName,
        session_id: SessionId,
        body: AuthSessionUpdateIn,
    ) -> Any:
        """New credentials for an AuthSession created through the API; it is recreated."""
        views.project(workspace_id, project_name)
        session(session_id)
        return {"status": "started", "operationId": define_and_create("update", session_id, body)}

    @app.post(f"{sessions}/{{authSessionId}}/validate/start", **STARTED)
    async def validate_auth_session(
        workspace_id: Workspace,
        project_name: ProjectName,
        session_id: SessionId,
        body: AuthSessionValidateIn,
    ) -> Any:
        """Check the session (check.py); recreate it when it fails, unless autoRecreate is
        false (it is then EXPIRED)."""
        views.project(workspace_id, project_name)
        session(session_id)
        operation = operation_document(
            session_id, body, auto_recreate=body.autoRecreate, request_timeout=body.requestTimeout
        )
        return {"status": "pending", "operationId": start("validate", operation)}

    def add_result_route(kind: DirectKind) -> None:
        @app.get(
            f"{sessions}/{{authSessionId}}/{kind}/{{operationId}}/result",
            response_model=OperationResultOut,
            tags=SESSION_TAGS,
            name=f"{kind}_auth_session_result",
            **RESULT,
        )
        async def operation_result(
            workspace_id: Workspace,
            project_name: ProjectName,
            session_id: SessionId,
            operation_id: OperationId,
        ) -> Any:
            views.project(workspace_id, project_name)
            return result(kind, session_id, operation_id)

    add_result_route("update")
    add_result_route("validate")
