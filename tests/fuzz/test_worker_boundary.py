"""The fuzz tier at the worker boundary: generated hostile requests against the callback server
(any method, path, token, length and body) and generated hostile messages from a runner to its
agent (user code can write to the runner's end of the link). Neither ever raises, the callback
answers only with the statuses it means (a 501 for a method it does not serve, never a 500),
neither stops serving, and nothing reaches the attempt a caller does not
hold: afterwards, the genuine caller is still served."""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.launch import callback
from controller.launch.callback import CallbackServer
from controller.worker import link
from controller.worker.agent import Agent

TOKEN = "attempt-token"
REQUESTS = 400
MESSAGES = 600
PATHS = (
    "/events",
    "/auth",
    "/attempt",
    "/work",
    "/results/jr/at.1",
    "/results/jr/other.1",
    "/results/jr",
    "/results/../../etc/passwd",
    "/artifacts/jr/at.1/log.txt",
    "/artifacts/jr/at.1/../../x",
    "/artifacts/jr/at.1/trace.zip/extra",
    "/%00",
    "/" + "a" * 5000,
)
BODIES = (
    b"",
    b"{}",
    b"[]",
    b"null",
    b'{"attempt_id": "at.1", "type": "result", "result_uploaded": true}',
    b'{"attempt_id": ["x"], "type": {"a": 1}}',
    b"{" * 5000,
    b"\xff\xfe\x00garbage",
    json.dumps({"attempt_id": "at.1", "type": "result", "result": "\ud800"}).encode(),
)


@pytest.fixture
def server() -> Iterator[tuple[CallbackServer, list[Any], list[str]]]:
    loop = asyncio.new_event_loop()
    running = threading.Thread(target=loop.run_forever, daemon=True)
    running.start()
    accepted: list[Any] = []
    errors: list[str] = []

    async def events(token: str, body: dict[str, Any]) -> bool:
        if body.get("attempt_id") != "at.1":
            return False
        accepted.append(body)
        return True

    async def owns(token: str, body: dict[str, Any]) -> bool:
        return body == {"job_run_id": "jr", "attempt_id": "at.1"}

    def receive(*_args: Any) -> None:
        return None

    routes: dict[str, callback.Handler] = {"/events": events, callback.ARTIFACTS_PATH: owns}
    served = CallbackServer(loop, routes, receive=receive, known=lambda token: token == TOKEN)
    served._server.handle_error = lambda *_args: errors.append("a request raised")  # type: ignore[method-assign]
    yield served, accepted, errors
    served.close()
    loop.call_soon_threadsafe(loop.stop)
    running.join(5)
    loop.close()


def _request(port: int, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True, skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        return connection.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        return 0  # closed on us: refused, which is fine
    finally:
        connection.close()


def test_hostile_requests_never_break_the_callback(server) -> None:
    served, accepted, errors = server
    rng = random.Random(34)
    statuses = []
    for _ in range(REQUESTS):
        body = rng.choice(BODIES)
        headers: dict[str, str] = {}
        token = rng.choice([TOKEN, "nope", "", TOKEN + "x", "Bearer " + TOKEN])
        if rng.random() < 0.9:
            headers["Authorization"] = f"Bearer {token}" if rng.random() < 0.8 else token
        length = rng.choice([str(len(body)), "-1", "abc", "99999999999", "0", str(len(body) + 5)])
        if rng.random() < 0.95:
            headers["Content-Length"] = length if length != str(len(body) + 5) else str(len(body))
        method = rng.choice(["POST", "PUT", "GET", "DELETE"])
        statuses.append(_request(served.port, method, rng.choice(PATHS), headers, body))
    assert not errors, "a request raised in the server"
    assert set(statuses) - {0, 204, 400, 401, 404, 409, 413, 501} == set(), sorted(set(statuses))
    assert all(body.get("attempt_id") == "at.1" for body in accepted)
    genuine = json.dumps({"attempt_id": "at.1", "type": "started"}).encode()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Length": str(len(genuine))}
    assert _request(served.port, "POST", "/events", headers, genuine) == 204


def _hostile_messages(rng: random.Random) -> Iterator[bytes]:
    shapes: list[Any] = [
        {"call": "event"},
        {"call": "event", "attempt_id": "at.1"},
        {"call": "event", "attempt_id": "at.1", "event": "not a dict"},
        {"call": "event", "attempt_id": "at.1", "event": {"type": "result", "result_file": 7}},
        {"call": "ask", "attempt_id": "at.1"},
        {"call": "ask", "attempt_id": "at.1", "id": [1], "message": None},
        {"call": "upload", "attempt_id": "at.1", "id": 3},
        {"call": "upload", "attempt_id": "at.1", "id": 4, "url": None, "path": None},
        {"call": "ended", "attempt_id": "other.1"},
        {"call": "ready", "attempt_id": {"x": 1}},
        {"reply": 1, "value": 2},
        {"call": None},
        ["a", "list"],
        "a string",
        12,
        None,
    ]
    for _ in range(MESSAGES):
        roll = rng.random()
        if roll < 0.6:
            yield json.dumps(rng.choice(shapes)).encode() + b"\n"
        elif roll < 0.8:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) + b"\n"
        else:
            yield b'{"call": "event", "attempt_id": "at.1", "event": {' + b"[" * 3000 + b"\n"


def test_hostile_runner_messages_never_stop_the_agent(tmp_path: Path) -> None:
    """Whatever the runner writes, the agent keeps serving: a last well-formed call of the
    attempt it started is still answered, and nothing is done for an attempt it did not."""

    async def main() -> dict[str, Any]:
        ours, theirs = socket.socketpair()
        reader, writer = await asyncio.open_unix_connection(sock=ours, limit=link.MESSAGE_LIMIT)
        runner_reader, runner_writer = await asyncio.open_unix_connection(sock=theirs)
        agent = Agent("http://127.0.0.1:9", tmp_path, writer, resend_for_s=0)
        agent.start({"attempt_id": "at.1", "job_run_id": "jr", "token": "t", "uploads": {}})
        serving = asyncio.create_task(agent.serve(reader))
        await runner_reader.readline()  # the start command
        for message in _hostile_messages(random.Random(35)):
            runner_writer.write(message)
        last = {"call": "upload", "id": 999, "attempt_id": "at.1", "url": "u", "path": "p"}
        link.write(runner_writer, last)
        await runner_writer.drain()
        answer: dict[str, Any] = {}
        while answer.get("reply") != 999:
            answer = json.loads(await asyncio.wait_for(runner_reader.readline(), 30))
        assert not serving.done(), "the agent stopped serving"
        assert agent.running == {"at.1"}
        runner_writer.close()
        await runner_writer.wait_closed()
        await serving
        writer.close()
        await writer.wait_closed()
        return answer

    answer = asyncio.run(main())
    assert answer["error"] == "ValueError: not an upload URL of this attempt"
