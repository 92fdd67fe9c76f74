"""The web dashboard's edges: its pages and the Playwright trace viewer (static, open), the
sign-in that turns an API key into a cookie, and the files the API links to (authenticated).

The dashboard is static HTML, CSS and a few ES modules (``dashboard/``) that read the REST API
from the same origin: no build step, nothing fetched from elsewhere. The trace viewer is the copy
that ships in the ``playwright`` package, served at ``/trace/`` and given a trace of ours with
``?trace=``. Signing in checks the key once (tries are rate-limited per client) and sets an
HttpOnly, SameSite=Strict cookie (``Secure`` when served over HTTPS) holding a session this
controller can revoke (``sessions.py``: signing out ends it); the API accepts that cookie or
``x-api-key``.
"""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Any

import playwright
from fastapi import Body, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ...delivery import ArtifactPathError
from ..errors import error_response
from ..views import ApiError, Views
from .sessions import SESSION_TTL_S, DashboardSessions

PAGES = Path(__file__).parent / "static"
TRACE_VIEWER = Path(playwright.__file__).parent / "driver/package/lib/vite/traceViewer"
SESSION_COOKIE = "jobctl_session"
PROTECTED = ("/api/", "/artifacts/", "/results/")
"""Paths that reveal Jobs, Runs or their files: they need the key (header or cookie)."""


def authenticated(request: Request, api_key: str, sessions: DashboardSessions) -> bool:
    given = request.headers.get("x-api-key", "")
    if secrets.compare_digest(given.encode(), api_key.encode()):
        return True
    return sessions.valid(request.cookies.get(SESSION_COOKIE, ""))


def served_over_tls(request: Request) -> bool:
    """HTTPS here, or at the proxy in front (``X-Forwarded-Proto``)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return (forwarded or request.url.scheme) == "https"


def add_dashboard(
    app: FastAPI, views: Views, api_key: str | None, sessions: DashboardSessions
) -> None:
    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(PAGES / "index.html", headers={"Cache-Control": "no-cache"})

    @app.post("/login", include_in_schema=False)
    async def login(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        """``{"key": ...}``: the key is checked here once; the cookie stands in for it after."""
        if api_key is None:
            return Response(status_code=204)
        client = request.client.host if request.client else "unknown"
        wait = sessions.retry_after(client)
        if wait > 0:
            refused = error_response(429, "too many wrong keys; try again later")
            refused.headers["Retry-After"] = str(math.ceil(wait))
            return refused
        key = str(body.get("key") or "")
        if not secrets.compare_digest(key.encode(), api_key.encode()):
            sessions.failed(client)
            return error_response(401, "that is not this controller's API key")
        response = Response(status_code=204)
        response.set_cookie(
            SESSION_COOKIE,
            sessions.create(),
            max_age=int(SESSION_TTL_S),
            httponly=True,
            samesite="strict",
            secure=served_over_tls(request),
        )
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        sessions.revoke(request.cookies.get(SESSION_COOKIE, ""))
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/artifacts/{job_run_id}/{attempt_id}/{name}", include_in_schema=False)
    async def artifact(job_run_id: str, attempt_id: str, name: str) -> Response:
        """An attempt's trace or log: this machine's copy, or a redirect to the bucket's."""
        try:
            found = views.query.artifacts.locate(job_run_id, attempt_id, name)
        except ArtifactPathError as exc:
            raise ApiError(404, str(exc)) from None
        if found is None:
            raise ApiError(404, f"no {name} of attempt {attempt_id} (pruned, or never kept)")
        if isinstance(found, str):
            return RedirectResponse(found, status_code=307)
        kind = "application/zip" if name.endswith(".zip") else "text/plain; charset=utf-8"
        return FileResponse(found, media_type=kind)

    @app.get("/results/{job_run_id}", include_in_schema=False)
    async def results(job_run_id: str) -> Response:
        """A JobRun's results file (JSONL), as far as it is written, or its stored copy."""
        job_run = views.find_run(None, job_run_id)
        link = views.control.results_link(job_run_id)
        if link is not None and link.bucket is not None:
            return RedirectResponse(link.signed_url, status_code=307)
        path = views.query.results_path(job_run.job_id, job_run_id)
        if not path.is_file():
            raise ApiError(404, f"JobRun {job_run_id} has no results yet")
        name = f"{job_run_id}.results.jsonl"
        return FileResponse(path, media_type="application/x-ndjson", filename=name)

    app.mount("/ui", StaticFiles(directory=PAGES), name="dashboard")
    app.mount("/trace", StaticFiles(directory=TRACE_VIEWER, html=True), name="trace-viewer")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_origin(request: Request) -> bool:
    """A request a browser sent from a page of this server, or none at all (a program sends
    no ``Origin``). A page of another origin, another port of this host included, may not act
    here: its form or script would carry the dashboard's cookie (or need none, on loopback)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    scheme = "https" if served_over_tls(request) else "http"
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return origin == f"{scheme}://{host.split(',')[0].strip()}"
