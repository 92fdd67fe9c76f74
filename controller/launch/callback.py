"""The HTTP callback workers report to: events, AuthSession questions, and attempt requests.

Every caller presents a bearer token; the launcher that owns the server decides what a token may
do (a local worker's token covers the attempts it runs, a Pod's token its one attempt). The
server runs on its own threads and hands each request to the launcher's event loop, waiting for
the verdict, so launchers keep all their state on the loop.

- ``POST /events``: an attempt event; 204 accepted, 409 not this token's attempt.
- ``POST /auth``: an AuthSession question, answered when the broker is done (it may wait).
- ``POST /attempt``: the attempt request for this token (Pods fetch it, so no secret such as a
  proxy password is ever part of a Pod spec).

Request bodies are never logged: they carry results.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..engine import (
    AttemptAuthenticated,
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptHeartbeat,
    AttemptResult,
    AttemptStarted,
)

MAX_BODY_BYTES = 16 * 1024 * 1024
Handler = Callable[[str, dict[str, Any]], Coroutine[Any, Any, Any]]


def attempt_event(attempt_id: str, payload: dict[str, Any]) -> AttemptEvent | None:
    """A worker's event payload as the engine's event (None: not a known event type)."""
    kind = payload.get("type")
    links = {"trace_url": payload.get("trace_url"), "log_url": payload.get("log_url")}
    if kind == "started":
        return AttemptStarted(attempt_id)
    if kind == "heartbeat":
        return AttemptHeartbeat(attempt_id)
    if kind == "authenticated":
        return AttemptAuthenticated(attempt_id)
    if kind == "extend_payload":
        return AttemptExtendedPayload(attempt_id, tuple(payload.get("items", ())))
    if kind == "result":
        return AttemptResult(attempt_id, payload.get("result"), **links)
    if kind == "failed":
        return AttemptFailed(attempt_id, payload.get("error") or {}, **links)
    if kind == "auth-failed":
        return AttemptAuthFailed(attempt_id, payload.get("reason") or {})
    if kind == "cancelled":
        return AttemptExited(attempt_id, None)
    return None


class CallbackServer:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        routes: dict[str, Handler],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """``routes``: path -> handler(token, body) returning bool (events: accepted?), a dict
        (the JSON answer) or None (not this token's business: 409)."""
        self._loop = loop
        self._routes = routes
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
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

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: CallbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            auth = self.headers.get("Authorization", "")
            length = int(self.headers.get("Content-Length") or 0)
            if self.path not in server._routes:
                self._reply(404)
                return
            if not auth.startswith("Bearer ") or length > MAX_BODY_BYTES:
                self._reply(401)
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._reply(400)
                return
            answer = server.dispatch(self.path, auth.removeprefix("Bearer "), body)
            if answer is True:
                self._reply(204)
            elif isinstance(answer, dict):
                self._reply(200, json.dumps(answer))
            else:
                self._reply(409)

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
