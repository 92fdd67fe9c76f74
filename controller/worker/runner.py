"""The part of a worker that runs user code: one warm Chromium, the project's APIs, and not one
credential.

Started by its agent (``agent.py``) as ``python -m controller.worker.runner`` with one end of a
socket pair (``JOBCTL_AGENT_FD``) and an environment without the agent's token or callback URL.
Commands arrive from the agent; whatever an attempt does outside this process (its events,
AuthSession and persistent-store questions, artifact uploads) goes to the agent as a call that
names the attempt, and the agent acts on it with that attempt's own credential, for attempts it
started here only. So user code can act for the attempts running beside it in this process
(same project), and for nothing else: it never holds a token it could carry elsewhere.

The process dies with its agent (``PR_SET_PDEATHSIG``): a killed worker leaves no Chromium
behind. It ends when the agent closes its end (0) or its browser dies (3).
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from . import link
from .callback import Upload
from .host import AttemptHost, route_output, warm_host
from .runtime import Ask, Send

PR_SET_PDEATHSIG = 1


class RefusedError(RuntimeError):
    """The agent or the controller refused a call (not this attempt's business, or failed)."""


class AgentLink:
    """The runner's side of the link: each attempt's ``send``, ``ask`` and ``upload``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}

    def sender(self, attempt_id: str) -> Send:
        def send(event: dict[str, Any]) -> None:
            link.write(self._writer, {"call": "event", "attempt_id": attempt_id, "event": event})

        return send

    def asker(self, attempt_id: str) -> Ask:
        async def ask(message: dict[str, Any]) -> dict[str, Any]:
            answer = await self._call({"call": "ask", "attempt_id": attempt_id, "message": message})
            return dict(answer)

        return ask

    def uploader(self, attempt_id: str) -> Upload:
        async def upload(url: str, path: Path) -> bool:
            call = {"call": "upload", "attempt_id": attempt_id, "url": url, "path": str(path)}
            return bool(await self._call(call))

        return upload

    def ready(self) -> None:
        link.write(self._writer, {"call": "ready"})

    def ended(self, attempt_id: str) -> None:
        link.write(self._writer, {"call": "ended", "attempt_id": attempt_id})

    async def _call(self, message: dict[str, Any]) -> Any:
        number = next(self._ids)
        self._waiting[number] = asyncio.get_running_loop().create_future()
        link.write(self._writer, {**message, "id": number})
        try:
            return await self._waiting[number]
        finally:
            del self._waiting[number]

    async def serve(self, host: AttemptHost) -> None:
        """The agent's commands and answers, until it closes its end."""
        async for message in link.messages(self._reader):
            if "reply" in message:
                self._answered(message)
            elif message.get("op") == "start":
                host.start(message["request"])
            elif message.get("op") == "cancel":
                host.cancel(message["attempt_id"])
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(RefusedError("the worker's agent is gone"))

    def _answered(self, message: dict[str, Any]) -> None:
        waiting = self._waiting.get(message["reply"])
        if waiting is None or waiting.done():
            return
        if "error" in message:
            waiting.set_exception(RefusedError(message["error"]))
        else:
            waiting.set_result(message.get("value"))

    async def close(self) -> None:
        try:
            await self._writer.drain()
            self._writer.close()
            await self._writer.wait_closed()
        except ConnectionError:
            pass


def _die_with_agent() -> None:
    """A runner outlives no agent: if the agent is killed, so is this process (and with it the
    Playwright driver, which closes Chromium)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if str(os.getppid()) != os.environ.pop(link.AGENT_PID, ""):  # it died before the line above
        sys.exit(1)


async def serve() -> int:
    _die_with_agent()
    route_output()
    sock = socket.socket(fileno=int(os.environ.pop(link.AGENT_FD)))
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=link.MESSAGE_LIMIT)
    agent = AgentLink(reader, writer)
    async with warm_host(
        agent,
        project=Path(os.environ.get("JOBCTL_PROJECT", ".")),
        artifacts=Path(os.environ.get("JOBCTL_ARTIFACTS", "/tmp/jobctl-attempts")),
        shared_contexts=int(os.environ.get("JOBCTL_ATTEMPTS_PER_WORKER", "4")),
    ) as host:
        print("ready", file=sys.__stderr__, flush=True)
        agent.ready()
        waits = [asyncio.create_task(agent.serve(host)), asyncio.create_task(host.gone.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
    await agent.close()
    return 3 if host.gone.is_set() else 0


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
