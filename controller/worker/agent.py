"""A worker's agent: the only process of a worker that holds credentials, and the one that
talks to the controller.

Each worker is two processes. The agent (this module, started by a launcher or as a Pod's
command) takes its commands (from stdin, a ``/work`` poll, or a Pod's one attempt) with each
attempt's credential, keeps the credentials, and starts a runner (``runner.py``: Chromium and
user code) with an environment stripped of them. The runner's calls name their attempt; the
agent acts on a call with that attempt's credential only while the attempt runs there, uploads
only files under the attempt folder to the URLs the attempt's request gave, and forgets the
credential when the attempt ends.

The agent makes itself non-dumpable (``PR_SET_DUMPABLE`` 0) before it starts the runner: a
process of the same user can then neither read its environment nor its memory through
``/proc`` or ``ptrace``, so the token in a Pod's environment stays out of reach of user code.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import socket
import stat
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..vocabulary import error, worker_event
from . import link
from .callback import AUTH_WAIT_S, RESEND_FOR_S, AttemptEventPoster, post, uploader

PR_SET_DUMPABLE = 4
PRIVATE_ENVIRONMENT = ("JOBCTL_WORKER_TOKEN", "JOBCTL_CALLBACK")
"""What the agent reads from its environment and its runner's environment never holds."""
RUNNER_STOP_S = 20.0
"""How long a runner has to stop its attempts and close Chromium after its agent says stop."""
FLUSH_S = 30.0
"""How long the last events may take to reach a controller that answers, at the agent's exit
(on top of the time they are sent again while it does not)."""


def make_undumpable() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


@dataclass
class _Attempt:
    token: str
    job_run_id: str
    uploads: frozenset[str]
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class Agent:
    def __init__(
        self, callback: str, artifacts: Path, writer: asyncio.StreamWriter, *, resend_for_s: float
    ) -> None:
        self.callback, self.artifacts = callback, artifacts.resolve()
        self._writer = writer
        self._attempts: dict[str, _Attempt] = {}
        self._calls: set[asyncio.Task[None]] = set()
        self.events = AttemptEventPoster(callback, resend_for_s=resend_for_s)
        self.ready = asyncio.Event()
        """Set when the runner's browser is up."""

    @property
    def running(self) -> set[str]:
        """Attempts started on the runner and not yet over."""
        return set(self._attempts)

    def start(self, command: Mapping[str, Any]) -> None:
        """Run an attempt request with its credential (``token``, kept here: the runner gets the
        request without it); a repeated command changes nothing."""
        request = {name: value for name, value in command.items() if name != "token"}
        attempt_id = str(request["attempt_id"])
        if attempt_id in self._attempts:
            return
        uploads = frozenset((request.get("uploads") or {}).values())
        token, job_run_id = str(command["token"]), str(request["job_run_id"])
        self._attempts[attempt_id] = _Attempt(token, job_run_id, uploads)
        link.write(self._writer, {"op": "start", "request": request})

    def cancel(self, attempt_id: str) -> None:
        if attempt_id in self._attempts:
            link.write(self._writer, {"op": "cancel", "attempt_id": attempt_id})

    async def ended(self, attempt_id: str) -> None:
        attempt = self._attempts.get(attempt_id)
        if attempt is not None:
            await attempt.ended.wait()

    async def serve(self, reader: asyncio.StreamReader) -> None:
        """The runner's calls, until it closes its end. A call of the wrong shape is refused
        and the next one served: user code can write to the runner's end."""
        async for message in link.messages(reader):
            try:
                self._call(message)
            except (KeyError, TypeError, ValueError, AttributeError):
                self._refuse(message, "not a call of the worker's protocol")

    def _call(self, message: dict[str, Any]) -> None:
        attempt_id, call = message.get("attempt_id"), message.get("call")
        attempt = self._attempts.get(attempt_id) if isinstance(attempt_id, str) else None
        if call == "ready":
            self.ready.set()
        elif attempt is None or attempt_id is None:
            self._refuse(message, "not an attempt of this worker")
        elif call == "event" and isinstance(message["event"], dict):
            self._event(attempt_id, attempt, message["event"])
        elif call == "ended":
            del self._attempts[attempt_id]
            attempt.ended.set()
        elif call in ("ask", "upload") and isinstance(message["id"], int):
            task = asyncio.create_task(self._answer(message, attempt))
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)
        else:
            raise ValueError(call)

    def _event(self, attempt_id: str, attempt: _Attempt, event: dict[str, Any]) -> None:
        """A large result comes as a file of the attempt's (``result_file``), streamed to the
        controller ahead of its event; one that is not the attempt's own file fails it."""
        if "result_file" not in event:
            self.events.send(attempt_id, attempt.token, event)
            return
        rest = {name: value for name, value in event.items() if name != "result_file"}
        try:
            result = self._own_file(str(event["result_file"]))
            Path(os.readlink(f"/proc/self/fd/{result.fileno()}")).unlink()  # read while open
        except (OSError, ValueError) as exc:
            failure = error("worker-error", "infrastructure", f"the result file: {exc}")
            failed = {**rest, **worker_event("failed", error=failure)}
            self.events.send(attempt_id, attempt.token, failed)
            return
        self.events.send_with_result(attempt_id, attempt.job_run_id, attempt.token, rest, result)

    def _own_file(self, path: str) -> BinaryIO:
        """A regular file under the attempts folder, checked on the opened file (a symlink
        swapped in after a check changes nothing), which is what is then read."""
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        real = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
        regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
        if not (regular and real.is_relative_to(self.artifacts)):
            os.close(descriptor)
            raise ValueError("not a file of this worker's attempts")
        return os.fdopen(descriptor, "rb")

    def _refuse(self, message: dict[str, Any], why: str) -> None:
        logging.getLogger(__name__).warning("refused a %.40r call: %s", message.get("call"), why)
        if isinstance(message.get("id"), int):
            link.write(self._writer, {"reply": message["id"], "error": why})

    async def _answer(self, message: dict[str, Any], attempt: _Attempt) -> None:
        try:
            if message["call"] == "ask":
                value: Any = await self._ask(message, attempt)
            else:
                value = await self._upload(message, attempt)
        except Exception as exc:  # refused (HTTP 409), unreachable, or not a call's shape
            reply = {"reply": message["id"], "error": f"{type(exc).__name__}: {exc}"}
        else:
            reply = {"reply": message["id"], "value": value}
        with contextlib.suppress(ConnectionError, RuntimeError):
            link.write(self._writer, reply)

    async def _ask(self, message: dict[str, Any], attempt: _Attempt) -> Any:
        body = {**message["message"], "attempt_id": message["attempt_id"]}
        answer = await asyncio.to_thread(
            post, self.callback, "/auth", attempt.token, body, AUTH_WAIT_S
        )
        return json.loads(answer)

    async def _upload(self, message: dict[str, Any], attempt: _Attempt) -> bool:
        """Only to where the attempt's request said, and only a file of the attempts folder
        (``_own_file``)."""
        if message["url"] not in attempt.uploads:
            raise ValueError("not an upload URL of this attempt")
        with self._own_file(message["path"]) as opened:
            upload = uploader(self.callback, attempt.token)
            return await upload(message["url"], Path(f"/proc/self/fd/{opened.fileno()}"))


@contextlib.asynccontextmanager
async def started_agent(
    *, callback: str, artifacts: Path, shared_contexts: int, resend_for_s: float = RESEND_FOR_S
) -> AsyncIterator[tuple[Agent, asyncio.Task[int]]]:
    """An agent with its runner started, and the task that ends with the runner's exit code.
    On exit the runner is told to stop (its attempts report ``cancelled``), given
    ``RUNNER_STOP_S``, then killed; the events it sent are delivered before this returns.
    ``resend_for_s``: how long an event is sent again while the controller is away (0 where
    the controller takes no attempt back after a restart)."""
    make_undumpable()
    ours, theirs = socket.socketpair()
    environment = {
        **{name: value for name, value in os.environ.items() if name not in PRIVATE_ENVIRONMENT},
        link.AGENT_FD: str(theirs.fileno()),
        link.AGENT_PID: str(os.getpid()),
        "JOBCTL_ARTIFACTS": str(artifacts),
        "JOBCTL_ATTEMPTS_PER_WORKER": str(shared_contexts),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.worker.runner",
        stdin=asyncio.subprocess.DEVNULL,
        pass_fds=[theirs.fileno()],
        env=environment,
    )
    theirs.close()
    reader, writer = await asyncio.open_unix_connection(sock=ours, limit=link.MESSAGE_LIMIT)
    agent = Agent(callback, artifacts, writer, resend_for_s=resend_for_s)
    calls = asyncio.create_task(agent.serve(reader))
    exited = asyncio.create_task(process.wait())
    try:
        yield agent, exited
    finally:
        with contextlib.suppress(ConnectionError, RuntimeError):
            writer.write_eof()
        try:
            await asyncio.wait_for(asyncio.shield(exited), RUNNER_STOP_S)
        except asyncio.TimeoutError:  # noqa: UP041 (the worker runs on Python 3.10 too)
            process.kill()
            await exited
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(calls, 5.0)
        writer.close()
        await asyncio.to_thread(agent.events.flush, resend_for_s + FLUSH_S)


def read_private(name: str) -> str:
    """A credential or address from the environment, removed from it once read, its value
    zeroed where the process's first environment keeps it (which ``/proc/PID/environ`` shows
    for as long as the process lives, whatever ``unsetenv`` does)."""
    value = os.environ.get(name, "")
    if value and sys.platform == "linux":
        libc = ctypes.CDLL(None)
        libc.getenv.restype = ctypes.c_void_p
        address = libc.getenv(name.encode())
        if address:
            ctypes.memset(address, 0, len(os.fsencode(value)))
    os.environ.pop(name, None)
    return value
