"""A local worker: an agent whose commands arrive on stdin.

Started by the local launcher as ``python -m controller.worker``; configured by environment
(``JOBCTL_CALLBACK``, ``JOBCTL_PROJECT``, ``JOBCTL_ARTIFACTS``, ``JOBCTL_ATTEMPTS_PER_WORKER``:
how many shared contexts to keep). Commands are JSON lines: ``{"op": "start", "request": {...}}``
(each request brings its attempt's own credential, ``token``) and ``{"op": "cancel", "attempt_id":
...}``. The process ends with stdin (0) or its runner's browser (3).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from .agent import Agent, read_private, started_agent


async def serve() -> int:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.__stdin__)
    async with started_agent(
        callback=read_private("JOBCTL_CALLBACK"),
        artifacts=Path(os.environ["JOBCTL_ARTIFACTS"]),
        shared_contexts=int(os.environ.get("JOBCTL_ATTEMPTS_PER_WORKER", "4")),
        resend_for_s=0,  # a local worker dies with its controller, which takes nothing back
    ) as (agent, exited):
        reading = asyncio.create_task(_commands(reader, agent))
        await asyncio.wait([reading, exited], return_when=asyncio.FIRST_COMPLETED)
        reading.cancel()
    return exited.result()


async def _commands(reader: asyncio.StreamReader, agent: Agent) -> None:
    while line := await reader.readline():
        message = json.loads(line)
        if message["op"] == "start":
            agent.start(message["request"])
        elif message["op"] == "cancel":
            agent.cancel(message["attempt_id"])


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
