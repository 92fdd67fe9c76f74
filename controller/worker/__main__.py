"""A local worker process: an ``AttemptHost`` whose commands arrive on stdin.

Started by the local launcher as ``python -m controller.worker``; configured by environment
(``JOBCTL_CALLBACK``, ``JOBCTL_PROJECT``, ``JOBCTL_ARTIFACTS``, ``JOBCTL_ATTEMPTS_PER_WORKER``:
how many shared contexts to keep). No credential is in the environment (its user code can read
it): each start command brings its attempt's own. Commands are JSON lines: ``{"op": "start",
"request": {...}}`` and ``{"op": "cancel", "attempt_id": ...}``. The process ends with stdin (0)
or its browser (3).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from .host import AttemptHost, route_output, warm_host


async def serve() -> int:
    route_output()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.__stdin__)
    async with warm_host(
        callback=os.environ["JOBCTL_CALLBACK"],
        token=os.environ.get("JOBCTL_WORKER_TOKEN", ""),  # none: each attempt brings its own
        project=Path(os.environ["JOBCTL_PROJECT"]),
        artifacts=Path(os.environ["JOBCTL_ARTIFACTS"]),
        shared_contexts=int(os.environ.get("JOBCTL_ATTEMPTS_PER_WORKER", "4")),
    ) as host:
        print("ready", file=sys.__stderr__, flush=True)
        reading = asyncio.create_task(_commands(reader, host))
        gone = asyncio.create_task(host.gone.wait())
        await asyncio.wait([reading, gone], return_when=asyncio.FIRST_COMPLETED)
        reading.cancel()
        gone.cancel()
    return 3 if host.gone.is_set() else 0


async def _commands(reader: asyncio.StreamReader, host: AttemptHost) -> None:
    while line := await reader.readline():
        message = json.loads(line)
        if message["op"] == "start":
            host.start(message["request"])
        elif message["op"] == "cancel":
            host.cancel(message["attempt_id"])


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
