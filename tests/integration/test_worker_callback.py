"""The workers' callback server under hostile clients: nothing is read before the token is
known, lengths are lengths, bodies are bounded, idle and excess connections do not hold
threads, and no input makes a traceback."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from controller import jsontext
from controller.engine import AttemptFailed, AttemptResult
from controller.launch import callback
from controller.launch.callback import CallbackServer
from controller.vocabulary import MAX_RESULT_BYTES

TOKEN = "known-token"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CallbackServer, list[Any]]]:
    monkeypatch.setattr(callback, "IDLE_TIMEOUT_S", 0.5)
    monkeypatch.setattr(callback, "MAX_CONNECTIONS", 8)
    loop = asyncio.new_event_loop()
    running = threading.Thread(target=loop.run_forever, daemon=True)
    running.start()
    seen: list[Any] = []

    async def events(token: str, body: dict[str, Any]) -> bool:
        seen.append(body)
        return True

    def receive(*_args: Any) -> None:
        raise AssertionError("no upload expected")

    async def owns(token: str, body: dict[str, Any]) -> bool:  # one attempt is this token's
        return body == {"job_run_id": "jr", "attempt_id": "at.1"}

    routes: dict[str, callback.Handler] = {"/events": events, callback.ARTIFACTS_PATH: owns}
    served = CallbackServer(loop, routes, receive=receive, known=lambda token: token == TOKEN)
    yield served, seen
    served.close()
    loop.call_soon_threadsafe(loop.stop)
    running.join(5)
    loop.close()


def send(
    port: int,
    headers: dict[str, str],
    body: bytes = b"",
    method: str = "POST",
    path: str = "/events",
) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body or None)
    status = connection.getresponse().status
    connection.close()
    return status


def test_an_unknown_token_is_refused_before_its_body_is_read(server) -> None:
    served, seen = server
    started = time.monotonic()
    # says 400 MB and sends none of it: answered at once, since nothing is read
    assert send(served.port, {"Authorization": "Bearer nope", "Content-Length": "400000000"}) == 401
    assert send(served.port, {"Content-Length": "2"}, b"{}") == 401
    assert time.monotonic() - started < 5 and seen == []


@pytest.mark.parametrize(("length", "status"), [("-1", 400), ("abc", 400), ("20000000", 413)])
def test_a_length_that_is_no_length_or_too_long_is_refused_unread(server, length, status) -> None:
    served, seen = server
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Length": length}
    assert send(served.port, headers) == status
    assert seen == []


def test_idle_and_excess_connections_hold_no_thread_for_long(server) -> None:
    served, seen = server
    idle = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(30)]
    time.sleep(1.5)  # past the idle timeout: the served ones are closed, the excess never held
    body = b'{"attempt_id": "a.1", "type": "started"}'
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Length": str(len(body))}
    assert send(served.port, headers, body) == 204
    assert seen == [{"attempt_id": "a.1", "type": "started"}]
    for connection in idle:
        connection.close()


def test_a_large_result_is_held_as_its_json_text_until_its_event_takes_it(server) -> None:
    """``PUT /results/<jobRunId>/<attemptId>``: only for the token's own attempt, only JSON, at
    most ``MAX_RESULT_BYTES`` (refused unread beyond); its event then carries it verbatim."""
    served, _seen = server
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    def put(path: str, body: bytes, **headers: str) -> int:
        headers = {**bearer, "Content-Length": str(len(body)), **headers}
        return send(served.port, headers, body, "PUT", path)

    text = b'{"rows": [1, 2.50, "\\u00e9"]}'
    assert put("/results/jr/other.1", text) == 409
    assert put("/results/jr/at.1", b"{not json") == 400
    too_long = str(MAX_RESULT_BYTES + 1)
    assert put("/results/jr/at.1", b"", **{"Content-Length": too_long}) == 413
    assert put("/results/jr/at.1", text) == 204
    event = served.event("at.1", {"type": "result", "result_uploaded": True}, lambda _name: "")
    assert isinstance(event, AttemptResult)
    assert jsontext.dumps({"result": event.result}) == '{"result":' + text.decode() + "}"
    lost = served.event("at.1", {"type": "result", "result_uploaded": True}, lambda _name: "")
    assert isinstance(lost, AttemptFailed) and lost.error["code"] == "worker-error"
