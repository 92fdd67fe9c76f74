"""The HTTP callback workers report to: events, AuthSession questions, and attempt requests.

Every caller presents a bearer token; the launcher that owns the server decides what a token may
do (a local worker's token covers the attempts it runs, a Pod's token its one attempt). The
server runs on its own threads and hands each request to the launcher's event loop, waiting for
the verdict, so launchers keep all their state on the loop.

- ``POST /events``: an attempt event; 204 accepted, 409 not this token's attempt (503, for any
  request, while the launcher has yet to take back the attempts of the controller before it).
- ``POST /auth``: an AuthSession question, answered when the broker is done (it may wait).
- ``POST /attempt``: the attempt request for this token (Pods fetch it, so no secret such as a
  proxy password is ever part of a Pod spec).
- ``PUT /artifacts/<jobRunId>/<attemptId>/<name>``: an attempt's trace or log, uploaded before
  its outcome is reported; 204 stored, 409 not this token's attempt. The body is streamed to the
  artifact store on the server's thread, never held in memory whole.
- ``PUT /results/<jobRunId>/<attemptId>``: a result over ``INLINE_RESULT_BYTES`` (up to
  ``MAX_RESULT_BYTES``), ahead of the ``result`` event that says ``result_uploaded``; 204 held,
  400 not JSON, 413 too large, 409 not this token's attempt. It is kept as the JSON text it is
  (one copy: checked, never turned into objects to be written out again) until its event takes
  it or the attempt ends.

Request bodies are never logged: they carry results.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO, cast

from .. import jsontext
from ..engine import (
    ArtifactStore,
    AttemptAuthenticated,
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptHeartbeat,
    AttemptRequest,
    AttemptResult,
    AttemptStarted,
)
from ..vocabulary import (
    ARTIFACT_NAMES,
    MAX_RESULT_BYTES,
    RESULTS_PATH,
    ArtifactName,
    error,
)

ARTIFACTS_PATH = "/artifacts"
MAX_ARTIFACT_BYTES = 1 << 30

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_LOG_EVENT_CHARS = 64 * 1024
"""Of one ``log`` event's text (a worker sends about one a second while user code prints)."""
MAX_CONNECTIONS = 128
"""Connections served at once (workers keep one or two each); more are closed at once."""
IDLE_TIMEOUT_S = 60.0
"""A connection that sends nothing for this long is closed (a worker's longest wait for an
answer is on the server's side: an idle client is not a worker)."""
Handler = Callable[[str, dict[str, Any]], Coroutine[Any, Any, Any]]
Link = Callable[[ArtifactName], str]
Receive = Callable[[str, str, ArtifactName, BinaryIO, int], None]
"""Store an uploaded artifact: (JobRun ID, attempt ID, name, body, length)."""


def attempt_event(
    attempt_id: str, payload: dict[str, Any], link: Link, uploaded: bytes | None = None
) -> AttemptEvent | None:
    """A worker's event payload as the engine's event (None: not a known event type).
    ``link`` makes the link of an artifact the worker says it kept; ``uploaded`` is the result
    the worker uploaded ahead of a ``result_uploaded`` event, kept as its JSON text."""
    kind = payload.get("type")
    kept = payload.get("artifacts") or ()
    trace, log = (link(name) if name in kept else None for name in ARTIFACT_NAMES)
    links = {"trace_url": trace, "log_url": log}
    attributes = payload.get("attributes")
    kept_attributes = attributes if isinstance(attributes, dict) and attributes else None
    if kind == "started":
        return AttemptStarted(attempt_id)
    if kind == "heartbeat":
        return AttemptHeartbeat(attempt_id)
    if kind == "authenticated":
        return AttemptAuthenticated(attempt_id)
    if kind == "extend_payload":
        return AttemptExtendedPayload(attempt_id, tuple(payload.get("items", ())))
    if kind == "result" and payload.get("result_uploaded") and uploaded is None:
        lost = error("worker-error", "infrastructure", "the uploaded result did not arrive")
        return AttemptFailed(attempt_id, lost, **links, attributes=kept_attributes)
    if kind == "result":
        result = payload.get("result") if uploaded is None else jsontext.RawJson(uploaded)
        return AttemptResult(attempt_id, result, **links, attributes=kept_attributes)
    if kind == "failed":
        failure = payload.get("error") or {}
        return AttemptFailed(attempt_id, failure, **links, attributes=kept_attributes)
    if kind == "auth-failed":
        return AttemptAuthFailed(attempt_id, payload.get("reason") or {})
    if kind == "cancelled":
        return AttemptExited(attempt_id, None)
    return None


class LauncherArtifacts:
    """A launcher's side of the artifact store its runtime attaches (``BrowserLauncher``),
    possibly after its callback listens: where workers upload, what reaches the callback, and
    links to what they kept."""

    def __init__(self) -> None:
        self.store: ArtifactStore | None = None

    def _attached(self) -> ArtifactStore:
        assert self.store is not None, "the launcher is used before its runtime attached it"
        return self.store

    def command(self, request: AttemptRequest, *, callback: str | None) -> dict[str, Any]:
        """The attempt request as its worker gets it, with where to upload each artifact: the
        store's URL (a bucket), else this callback (``callback``: the worker is on another
        machine), else nowhere (the worker writes where the store keeps them)."""
        uploads: dict[str, str] = {}
        for name in ARTIFACT_NAMES:
            url = self._attached().upload_url(request.job_run_id, request.attempt_id, name)
            if url is None and callback is not None:
                url = f"{callback}{ARTIFACTS_PATH}/{request.job_run_id}/{request.attempt_id}/{name}"
            if url is not None:
                uploads[name] = url
        return {**asdict(request), "uploads": uploads}

    def receive(
        self, job_run_id: str, attempt_id: str, name: ArtifactName, body: BinaryIO, length: int
    ) -> None:
        self._attached().write(job_run_id, attempt_id, name, body, length)

    def live_log(self, attempt_id: str, payload: dict[str, Any]) -> None:
        """A worker's ``log`` event: what its attempt printed since the last one."""
        self._attached().live_log(attempt_id, str(payload.get("text", ""))[:MAX_LOG_EVENT_CHARS])

    def attempt_ended(self, attempt_id: str) -> None:
        if self.store is not None:
            self.store.attempt_ended(attempt_id)

    def link(self, job_run_id: str, attempt_id: str) -> Link:
        return functools.partial(self._attached().link, job_run_id, attempt_id)


class _BoundedServer(ThreadingHTTPServer):
    """At most ``MAX_CONNECTIONS`` connections are served at once (a thread each); one more is
    closed at once rather than given a thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class CallbackServer:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        routes: dict[str, Handler],
        *,
        receive: Receive,
        known: Callable[[str], bool],
        host: str = "127.0.0.1",
        port: int = 0,
        accepting: bool = True,
    ) -> None:
        """``routes``: path -> handler(token, body) returning bool (events: accepted?), a dict
        (the JSON answer) or None (not this token's business: 409). An upload is first put to
        ``routes[ARTIFACTS_PATH]`` with ``{"job_run_id", "attempt_id"}``; if accepted, its body
        goes to ``receive``. ``known``: whether a token is one the launcher gave out and still
        honours; a request with any other is refused (401) before a byte of its body is read.
        Not ``accepting`` (a launcher that has yet to take back the attempts of the controller
        before it), every request is answered 503, unread, until ``accept``: workers try again
        rather than have an outcome refused for an attempt about to be known."""
        self._accepting = threading.Event()
        if accepting:
            self._accepting.set()
        self._loop = loop
        self._routes = routes
        self._receive = receive
        self._known = known
        self._uploaded_results: dict[str, bytes] = {}
        """Attempt ID -> its uploaded result, until its event takes it (``event``)."""
        self._server = _BoundedServer((host, port), _handler(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, host: str | None = None) -> str:
        return f"http://{host or self._server.server_address[0]!s}:{self.port}"

    def dispatch(self, path: str, token: str, body: dict[str, Any]) -> Any:
        """On a server thread: run the route on the loop and wait for its answer."""
        coroutine = self._routes[path](token, body)
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def event(self, attempt_id: str, payload: dict[str, Any], link: Link) -> AttemptEvent | None:
        """``attempt_event``, with the result the attempt uploaded, if it says it did."""
        uploaded = self._uploaded_results.pop(attempt_id, None)
        return attempt_event(attempt_id, payload, link, uploaded)

    def forget(self, attempt_id: str) -> None:
        """The attempt is over: an uploaded result its event never took is dropped."""
        self._uploaded_results.pop(attempt_id, None)

    def accept(self) -> None:
        self._accepting.set()

    def keep_result(self, attempt_id: str, text: bytes) -> None:
        self._uploaded_results[attempt_id] = text

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: CallbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = IDLE_TIMEOUT_S  # a connection that sends nothing for this long is closed

        def do_POST(self) -> None:
            if self.path not in server._routes:
                self._reply(404)
                return
            token, length = self._admitted(MAX_BODY_BYTES)
            if token is None:
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except (ValueError, OSError):
                self._reply(400)
                return
            if not isinstance(body, dict):
                self._reply(400)
                return
            answer = server.dispatch(self.path, token, body)
            if answer is True:
                self._reply(204)
            elif isinstance(answer, dict):
                self._reply(200, json.dumps(answer))
            else:
                self._reply(409)

        def do_PUT(self) -> None:
            if self.path.startswith(f"{RESULTS_PATH}/"):
                self._put_result()
                return
            parts = self.path.split("/")  # "", "artifacts", jobRunId, attemptId, name
            names: dict[str, ArtifactName] = {name: name for name in ARTIFACT_NAMES}
            if len(parts) != 5 or f"/{parts[1]}" != ARTIFACTS_PATH or parts[4] not in names:
                self._reply(404)
                return
            length = self._owners_upload(MAX_ARTIFACT_BYTES, parts[2], parts[3])
            if length is None:
                return
            try:
                body_stream = cast(BinaryIO, self.rfile)
                server._receive(parts[2], parts[3], names[parts[4]], body_stream, length)
            except (OSError, EOFError):
                self._reply(400)
                return
            self._reply(204)

        def _put_result(self) -> None:
            parts = self.path.split("/")  # "", "results", jobRunId, attemptId
            if len(parts) != 4:
                self._reply(404)
                return
            length = self._owners_upload(MAX_RESULT_BYTES, parts[2], parts[3])
            if length is None:
                return
            try:
                text = self.rfile.read(length)  # one allocation of the announced length
            except OSError:
                self._reply(400)
                return
            # JSON, or refused: it goes into results lines as it is; checked without objects
            if len(text) != length or not jsontext.is_json(text):
                self._reply(400)
                return
            server.keep_result(parts[3], text)
            self._reply(204)

        def _owners_upload(self, limit: int, job_run_id: str, attempt_id: str) -> int | None:
            """The length of an upload its attempt's own token sends (``ARTIFACTS_PATH``'s
            route says whose it is); else None, answered unread (409 for another's)."""
            token, length = self._admitted(limit)
            if token is None:
                return None
            owner = {"job_run_id": job_run_id, "attempt_id": attempt_id}
            if server.dispatch(ARTIFACTS_PATH, token, owner) is not True:
                self._reply(409)
                return None
            return length

        def _admitted(self, limit: int) -> tuple[str | None, int]:
            """(token, body length) of a request that may be read; else (None, 0), answered
            without reading its body: 503 while the server is not accepting yet, 401 for a
            token the launcher does not know, 400 for a length that is no length, 413 for one
            over ``limit``."""
            if not server._accepting.is_set():
                self._reply(503)
                return None, 0
            header = self.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ")
            if not header.startswith("Bearer ") or not server._known(token):
                self._reply(401)
                return None, 0
            text = self.headers.get("Content-Length") or "0"
            if not text.isdigit():
                self._reply(400)
                return None, 0
            if int(text) > limit:
                self._reply(413)
                return None, 0
            return token, int(text)

        def _reply(self, status: int, body: str = "") -> None:
            """A worker killed while it waited (its attempt cancelled) hears nothing: not an
            error, and no traceback on the controller's stderr."""
            data = body.encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                if data:
                    self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
