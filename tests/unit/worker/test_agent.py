"""What a worker's agent does for its runner's calls: only for attempts it started there, and
uploads only of files under the attempt folder to the URLs the attempt's request gave (the
runner is where user code runs; the agent holds the credentials)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

from controller.worker import link
from controller.worker.agent import Agent

UPLOAD_URL = "http://127.0.0.1:9/artifacts/jr/at.1/log.txt"


def _answers(tmp_path: Path, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The agent's replies to ``calls`` from a runner, for an agent that started ``at.1``."""

    async def main() -> list[dict[str, Any]]:
        ours, theirs = socket.socketpair()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        runner_reader, runner_writer = await asyncio.open_unix_connection(sock=theirs)
        agent = Agent("http://127.0.0.1:9", tmp_path, writer, resend_for_s=0)
        start = {"attempt_id": "at.1", "job_run_id": "jr", "token": "secret"}
        agent.start({**start, "uploads": {"log.txt": UPLOAD_URL}})
        serving = asyncio.create_task(agent.serve(reader))
        command = json.loads(await runner_reader.readline())
        assert "token" not in json.dumps(command), "the runner was given the credential"
        for call in calls:
            link.write(runner_writer, call)
        answers = [json.loads(await runner_reader.readline()) for _ in calls]
        runner_writer.close()
        await runner_writer.wait_closed()
        await serving
        writer.close()
        await writer.wait_closed()
        return answers

    return asyncio.run(main())


def test_calls_for_an_attempt_the_agent_did_not_start_are_refused(tmp_path: Path) -> None:
    calls = [
        {"call": "ask", "id": 1, "attempt_id": "other.1", "message": {"op": "state"}},
        {"call": "upload", "id": 2, "attempt_id": "other.1", "url": UPLOAD_URL, "path": "x"},
    ]
    answers = _answers(tmp_path, calls)
    assert [a["reply"] for a in answers] == [1, 2]
    assert all(a["error"] == "not an attempt of this worker" for a in answers)


def test_uploads_go_only_to_the_attempts_urls_and_only_from_its_folder(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("the agent's secrets")
    (tmp_path / "link.txt").symlink_to(outside)
    (tmp_path / "log.txt").write_text("a log")
    calls = [
        {"call": "upload", "id": 1, "attempt_id": "at.1", "url": "http://evil/", "path": "x"},
        {"call": "upload", "id": 2, "attempt_id": "at.1", "url": UPLOAD_URL, "path": str(outside)},
        {
            "call": "upload",
            "id": 3,
            "attempt_id": "at.1",
            "url": UPLOAD_URL,
            "path": str(tmp_path / "link.txt"),
        },
        {
            "call": "upload",
            "id": 4,
            "attempt_id": "at.1",
            "url": UPLOAD_URL,
            "path": "/proc/self/environ",
        },
    ]
    answers = {a["reply"]: a.get("error", "") for a in _answers(tmp_path, calls)}
    assert "not an upload URL of this attempt" in answers[1]
    assert "not a file of this worker's attempts" in answers[2]
    assert "ELOOP" in answers[3] or "Too many levels of symbolic links" in answers[3]
    assert "not a file of this worker's attempts" in answers[4]
