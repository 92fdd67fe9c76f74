"""One attempt in a Pod: ``python -m controller.worker.pod``, an agent with one attempt.

The Pod's environment holds only where to call back (``JOBCTL_CALLBACK``), the attempt's ID and
its own token (``JOBCTL_ATTEMPT_ID``, ``JOBCTL_WORKER_TOKEN``, from a Secret), all three kept by
the agent (its runner, where user code runs, sees none); the attempt request itself, proxy
credentials included, is fetched from the operator. The process exits when the attempt has
reported its outcome: 0, or 3 when the browser died (the operator sees the Pod fail and counts
an infrastructure failure if no outcome arrived).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from .agent import read_private, started_agent
from .callback import fetch_request


async def serve() -> int:
    logging.basicConfig(level=logging.INFO)
    callback = read_private("JOBCTL_CALLBACK")
    token = read_private("JOBCTL_WORKER_TOKEN")
    attempt_id = os.environ["JOBCTL_ATTEMPT_ID"]
    request = await asyncio.to_thread(fetch_request, callback, token, attempt_id)
    async with started_agent(
        callback=callback,
        artifacts=Path(os.environ.get("JOBCTL_ARTIFACTS", "/tmp/jobctl-attempts")),
        shared_contexts=0,  # one attempt: no sharing
    ) as (agent, exited):
        agent.start({**request, "token": token})
        ended = asyncio.create_task(agent.ended(attempt_id))
        await asyncio.wait([ended, exited], return_when=asyncio.FIRST_COMPLETED)
        ended.cancel()
    return exited.result()


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
