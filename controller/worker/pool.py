"""A pool Pod: a worker whose agent pulls its commands from the operator.

Started as ``python -m controller.worker.pool`` in a worker pool Pod; configured by environment
(``JOBCTL_CALLBACK``, ``JOBCTL_POD_NAME``, ``JOBCTL_POOL``, ``JOBCTL_WORKER_TOKEN``,
``JOBCTL_PROJECT``, ``JOBCTL_ARTIFACTS``, ``JOBCTL_ATTEMPTS_PER_WORKER``). The Pod's token only
polls ``POST /work``; every attempt it is given brings a credential of its own. The agent keeps
one long poll open, saying which attempts it runs and which finished since its last poll (so
that an answer lost on the way is sent again, and attempts from before an operator restart are
cancelled), and does what the answer says: start, cancel, exit. While the operator is away it
keeps trying; it exits on ``exit``, on SIGTERM (the operator deleting the Pod: as PID 1 in a
container it would otherwise ignore it) or when its runner's browser dies (3).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import urllib.error
from pathlib import Path

from .agent import Agent, read_private, started_agent
from .callback import post

PULL_TIMEOUT_S = 60.0
"""Longer than the operator holds a poll open (``launch.pool.PULL_WAIT_S``)."""
RETRY_MAX_S = 5.0


async def serve() -> int:
    logging.basicConfig(level=logging.INFO)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    token = read_private("JOBCTL_WORKER_TOKEN")
    async with started_agent(
        callback=read_private("JOBCTL_CALLBACK"),
        artifacts=Path(os.environ.get("JOBCTL_ARTIFACTS", "/tmp/jobctl-attempts")),
        shared_contexts=int(os.environ.get("JOBCTL_ATTEMPTS_PER_WORKER", "4")),
    ) as (agent, exited):
        pulling = _pull(agent, token, os.environ["JOBCTL_POD_NAME"], os.environ["JOBCTL_POOL"])
        waits = [asyncio.create_task(pulling), exited, asyncio.create_task(stop.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            if task is not exited:
                task.cancel()
    return exited.result()


async def _pull(agent: Agent, token: str, pod: str, pool: str) -> None:
    await agent.ready.wait()  # work taken before Chromium is up would wait for it
    finished: set[str] = set()
    running: set[str] = set()
    failures = 0
    while True:
        now_running = agent.running
        finished |= running - now_running
        running = now_running
        body = {"pod": pod, "pool": pool, "running": sorted(running), "finished": sorted(finished)}
        try:
            raw = await asyncio.to_thread(
                post, agent.callback, "/work", token, body, PULL_TIMEOUT_S
            )
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 409):  # not this operator's Pod (another key): it makes its own
                logging.getLogger(__name__).warning("the operator does not know this Pod")
                return
            failures += 1
            await asyncio.sleep(min(RETRY_MAX_S, 0.2 * failures))
            continue
        except Exception as exc:  # the operator restarting, or not yet reachable
            failures += 1
            if failures == 1:
                logging.getLogger(__name__).warning("polling the operator failed: %s", exc)
            await asyncio.sleep(min(RETRY_MAX_S, 0.2 * failures))
            continue
        failures = 0
        finished.clear()
        answer = json.loads(raw or b"{}")
        for request in answer.get("start") or ():
            agent.start(request)
        for attempt_id in answer.get("cancel") or ():
            agent.cancel(attempt_id)
        if answer.get("exit"):
            return


def main() -> int:
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
