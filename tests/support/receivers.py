"""Real HTTP receivers for delivery tests (pytest-httpserver on 127.0.0.1, threaded).

A ``Receiver`` records every request and answers from a script: a function of the request and
how many requests that path has had, so a test can say "503 three times, then 200".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


Script = Callable[[Request, int], Response]


def always(status: int, **headers: str) -> Script:
    return lambda _request, _n: Response(status=status, headers=headers)


def failing_first(count: int, status: int = 503, **headers: str) -> Script:
    return lambda _request, n: Response(status=status if n < count else 200, headers=headers)


class Receiver:
    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.received: list[Received] = []
        self.scripts: dict[str, Script] = {}
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self.server.expect_request("").respond_with_handler(self._handle)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def script(self, path: str, script: Script) -> None:
        self.scripts[path] = script

    def _handle(self, request: Request) -> Response:
        with self._lock:
            n = self._counts.get(request.path, 0)
            self._counts[request.path] = n + 1
        response = self.scripts.get(request.path, always(200))(request, n)
        with self._lock:
            self.received.append(
                Received(
                    request.path,
                    dict(request.headers),
                    request.get_data(),
                    time.monotonic(),
                    response.status_code,
                )
            )
        return response

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def delivered(self, path: str) -> list[Received]:
        return [r for r in self.on(path) if 200 <= r.status < 300]

    def __enter__(self) -> Receiver:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.clear()
        self.server.stop()
