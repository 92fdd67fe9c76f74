"""Signing a person in to a recorder AuthSession (extensions).

In the dashboard: ``POST .../sign-in`` opens a browser beside the controller at the session's
``startUrl`` (or joins the one open), ``GET .../sign-in/screen`` streams its screen as
server-sent events, ``POST .../sign-in/input`` plays the person's mouse and keyboard into it,
``POST .../sign-in/save`` keeps the browser state (so does reaching ``finishUrl``),
``DELETE .../sign-in`` cancels. Elsewhere (``jobctl authsessions record``, a browser on the
person's own machine): ``POST .../signed-in`` with the state. Either way the state becomes the
session's next version and a validate operation (``check.py``, never ``create.py``) starts; its
ID is in the answer (``validationId``), its result at Intuned's validate result route.

Only a controller that can open browsers itself (``jobctl run``) serves the sign-in browser;
the operator's answers say to record from a machine with a display instead.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ...auth.recorder import (
    InputKind,
    MouseButton,
    Outcome,
    Recording,
    RecordingError,
    Recordings,
    ScreenInput,
)
from ...engine import JobRun
from ...spec import AuthSessionDefinition
from ..intuned.direct_models import SessionSteps
from ..intuned.direct_shapes import operation_document
from ..paths import API, ERROR_RESPONSES, ProjectName, SessionId, Workspace
from ..views import ApiError, Views

TAGS: list[Any] = ["auth sessions"]


class ScreenInputIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: InputKind
    x: float = Field(default=0, ge=0, le=10_000)
    y: float = Field(default=0, ge=0, le=10_000)
    button: MouseButton = "left"
    deltaX: float = Field(default=0, ge=-10_000, le=10_000)
    deltaY: float = Field(default=0, ge=-10_000, le=10_000)
    key: str = Field(default="", max_length=64)
    text: str = Field(default="", max_length=4096)


class SignedInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    storageState: dict[str, Any] = Field(
        description="The browser's storage state (Playwright's ``storage_state()``: cookies "
        "and origins) after the person signed in."
    )


def _outcome_object(outcome: Outcome | None) -> dict[str, Any] | None:
    return None if outcome is None else asdict(outcome)


async def _screen(recording: Recording) -> AsyncIterator[str]:
    yield f": the sign-in of {recording.session_id}\n\n"
    async for frame in recording.frames():
        yield f"event: frame\ndata: {json.dumps(asdict(frame))}\n\n"
    yield f"event: end\ndata: {json.dumps(_outcome_object(recording.outcome))}\n\n"


class _SignIns:
    """What the routes share: the recordings (None: this controller opens no browser), the
    checks of a recorder session, and the save both ways of signing in end with."""

    def __init__(self, views: Views, browser: bool) -> None:
        self._views = views
        self.opened = Recordings(self.save) if browser else None

    async def save(self, session_id: str, storage_state: dict[str, Any]) -> dict[str, Any]:
        control = self._views.control
        version = self._views.command(lambda: control.signed_in(session_id, storage_state))
        document = operation_document(session_id, SessionSteps(), auto_recreate=False)
        job_run: JobRun = self._views.command(lambda: control.start_direct("validate", document))
        return {"version": version, "validationId": job_run.id}

    def session(self, session_id: str) -> AuthSessionDefinition:
        definition = self._views.query.auth_session(session_id)
        if definition is None:
            raise ApiError(404, f"no AuthSession {session_id!r}")
        if definition.type != "recorder":
            raise ApiError(
                409,
                f"AuthSession {session_id!r} is signed in to by create.py with its credentials; "
                "only recorder AuthSessions take a person's sign-in (validate or update this "
                "one instead)",
            )
        return definition

    @property
    def recordings(self) -> Recordings:
        if self.opened is None:
            raise ApiError(
                501,
                "this controller opens no browser of its own to sign in with (the operator's "
                "Pod has no display or browser); run `jobctl authsessions record ID --server "
                "URL` on a machine with a display instead",
            )
        return self.opened

    def recording(self, session_id: str) -> Recording:
        found = self.recordings.get(session_id)
        if found is None:
            raise ApiError(404, f"nobody is signing in to AuthSession {session_id!r} now")
        return found

    def status(self, session_id: str) -> dict[str, Any]:
        found = self.recordings.get(session_id)
        return {
            "authSessionId": session_id,
            "active": found is not None,
            "url": None if found is None else found.url,
            "outcome": _outcome_object(self.recordings.last_outcome(session_id)),
        }


def add_sign_in_routes(app: FastAPI, views: Views, *, browser: bool) -> Recordings | None:
    """The routes; the recordings they open when ``browser`` (the caller closes them at its
    stop), else None."""
    signs = _SignIns(views, browser)
    base = f"{API}/auth-sessions/{{authSessionId}}"

    @app.post(f"{base}/sign-in", tags=TAGS, responses=ERROR_RESPONSES)
    async def start_sign_in(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> Any:
        """Open a browser at the session's ``startUrl`` for a person to sign in (or join the
        sign-in in progress)."""
        views.project(workspace_id, project_name)
        definition = signs.session(session_id)
        try:
            await signs.recordings.start(session_id, definition)
        except RecordingError as exc:
            raise ApiError(exc.status, str(exc)) from None
        return signs.status(session_id)

    @app.get(f"{base}/sign-in", tags=TAGS, responses=ERROR_RESPONSES)
    async def sign_in_status(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> Any:
        """Whether a sign-in is in progress, its page, and how the last one ended."""
        views.project(workspace_id, project_name)
        return signs.status(session_id)

    @app.get(
        f"{base}/sign-in/screen",
        tags=TAGS,
        responses=ERROR_RESPONSES,
        response_class=StreamingResponse,
    )
    async def sign_in_screen(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> StreamingResponse:
        """The sign-in's screen as server-sent events: a ``frame`` event (``jpeg``: base64,
        ``width``, ``height``: the page's CSS pixels, ``url``) for the screen now and each
        change, then an ``end`` event with how it ended."""
        views.project(workspace_id, project_name)
        return StreamingResponse(
            _screen(signs.recording(session_id)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @app.post(f"{base}/sign-in/input", tags=TAGS, responses=ERROR_RESPONSES, status_code=204)
    async def sign_in_input(
        workspace_id: Workspace,
        project_name: ProjectName,
        session_id: SessionId,
        body: ScreenInputIn,
    ) -> Response:
        """A mouse or keyboard event for the sign-in's page (coordinates in its CSS pixels)."""
        views.project(workspace_id, project_name)
        event = ScreenInput(
            body.type, body.x, body.y, body.button, body.deltaX, body.deltaY, body.key, body.text
        )
        try:
            await signs.recording(session_id).forward(event)
        except RecordingError as exc:
            raise ApiError(exc.status, str(exc)) from None
        return Response(status_code=204)

    @app.post(f"{base}/sign-in/save", tags=TAGS, responses=ERROR_RESPONSES)
    async def save_sign_in(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> Any:
        """Keep the browser's state as the session's next version, close the browser and
        validate the state with ``check.py`` (``outcome.saved.validationId``)."""
        views.project(workspace_id, project_name)
        try:
            await signs.recordings.save(session_id)
        except RecordingError as exc:
            raise ApiError(exc.status, str(exc)) from None
        return signs.status(session_id)

    @app.delete(f"{base}/sign-in", tags=TAGS, responses=ERROR_RESPONSES, status_code=204)
    async def cancel_sign_in(
        workspace_id: Workspace, project_name: ProjectName, session_id: SessionId
    ) -> Response:
        """Close the sign-in's browser; nothing is kept."""
        views.project(workspace_id, project_name)
        await signs.recordings.cancel(session_id)
        return Response(status_code=204)

    @app.post(f"{base}/signed-in", tags=TAGS, responses=ERROR_RESPONSES)
    async def signed_in(
        workspace_id: Workspace,
        project_name: ProjectName,
        session_id: SessionId,
        body: SignedInIn,
    ) -> Any:
        """A sign-in recorded elsewhere (``jobctl authsessions record``): its browser state
        becomes the session's next version, validated with ``check.py``."""
        views.project(workspace_id, project_name)
        signs.session(session_id)
        return await signs.save(session_id, body.storageState)

    return signs.opened
