"""The REST API assembled: Intuned's API (``intuned/``), jobctl's extensions (``extensions/``)
and the dashboard (``dashboard/``), served from the controller's own loop.

Handlers run on the controller's event loop, so they read the runtime's state (``RuntimeQuery``)
and command it between passes, with no locking. Every error is the reference error object with a
fresh ``correlationId``; no handler lets an exception escape as a traceback.

Authentication: with an API key configured, every ``/api``, ``/artifacts`` and ``/results``
request needs it in ``x-api-key``, or the dashboard's session cookie (``dashboard/site.py``).
``/openapi.json``, ``/healthz``, ``/metrics`` and the dashboard's static pages are open (they
reveal no Job contents).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ..auth.recorder import Recordings
from .dashboard.routes import add_dashboard_routes
from .dashboard.sessions import DashboardSessions
from .dashboard.site import PROTECTED, SAFE_METHODS, add_dashboard, authenticated, same_origin
from .errors import error_response
from .extensions.operating_routes import add_operating_routes
from .extensions.recent_routes import add_recent_routes
from .extensions.runs_routes import add_runs_routes
from .extensions.sign_in_routes import add_sign_in_routes
from .intuned.direct_routes import add_auth_session_routes, add_run_routes
from .intuned.jobs_routes import add_job_routes, add_job_run_routes
from .intuned.models import (
    ServerInfo,
)
from .openapi import add_job_schema
from .paths import ERROR_RESPONSES
from .request_bodies import BodyRules
from .views import ApiError, Control, Views


def create_app(
    control: Control,
    *,
    api_key: str | None,
    metrics: Callable[[], bytes],
    sign_in_browser: bool = False,
) -> FastAPI:
    """``sign_in_browser``: this controller may open browsers beside it for people to sign in
    to recorder AuthSessions (``jobctl run``); ``app.state.close()`` closes them (``ApiServer``
    does at its stop)."""
    recordings: list[Recordings] = []

    async def close() -> None:
        for opened in recordings:
            await opened.close()

    app = FastAPI(
        title="jobctl",
        version="1",
        description="Intuned-compatible Jobs API of a jobctl controller.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.close = close  # what the app opened, closed by its server at the stop
    app.add_middleware(BodyRules)  # inside the key check: nobody's body is read before it
    sessions = DashboardSessions()
    _install_errors(app, api_key, sessions)
    views = Views(control)
    add_job_routes(app, views)
    add_job_run_routes(app, views)
    add_run_routes(app, views)
    add_auth_session_routes(app, views)
    add_runs_routes(app, views)
    add_dashboard_routes(app, views)
    add_operating_routes(app, views)
    add_recent_routes(app, views)
    if (opened := add_sign_in_routes(app, views, browser=sign_in_browser)) is not None:
        recordings.append(opened)
    add_dashboard(app, views, api_key, sessions)

    @app.get(
        "/api/v1/server", response_model=ServerInfo, tags=["server"], responses=ERROR_RESPONSES
    )
    async def server_info() -> dict[str, Any]:
        """Which workspace and project this controller serves (for clients' defaults)."""
        return {
            "workspaceId": views.identity.workspace_id,
            "projectName": views.identity.project_name,
        }

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(metrics(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    add_job_schema(app)
    return app


def _install_errors(app: FastAPI, api_key: str | None, sessions: DashboardSessions) -> None:
    @app.middleware("http")
    async def authenticate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method not in SAFE_METHODS and not same_origin(request):
            return error_response(403, "a request from another origin is refused")
        protected = api_key is not None and request.url.path.startswith(PROTECTED)
        if protected and not authenticated(request, api_key or "", sessions):
            return error_response(401, "a valid x-api-key header (or signing in) is required")
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, str(exc), exc.details)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:20]]
        return error_response(400, "the request is invalid: " + "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            routes = [r for r in app.routes if isinstance(r, APIRoute)]
            found = [r for r in routes if r.matches(request.scope)[0] is not Match.NONE]
            headers["Allow"] = ", ".join(sorted({m for r in found for m in r.methods or ()}))
        return error_response(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return error_response(500, f"internal error ({type(exc).__name__}); see the controller log")
