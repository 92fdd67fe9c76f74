"""A worker process: one warm Chromium, several attempts at once, events POSTed to the controller.

Started by the local launcher as ``python -m controller.worker``; configured by environment
(``JOBCTL_CALLBACK``, ``JOBCTL_WORKER_TOKEN``, ``JOBCTL_PROJECT``, ``JOBCTL_ARTIFACTS``,
``JOBCTL_ATTEMPTS_PER_WORKER``: how many shared contexts to keep) so no secret appears on a
command line. Commands arrive on stdin as JSON lines: ``{"op": "start",
"request": {...}}`` and ``{"op": "cancel", "attempt_id": ...}``. A cancelled attempt stops at its
next await, closes its context and reports ``cancelled``. If the browser dies the worker exits
and the launcher replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from ..vocabulary import worker_event
from .apis import ApiLoader
from .attempt import BrowserGoneError, RoutedStream, run_attempt
from .browser import launch_with_profile
from .callback import AttemptEventPoster, asker
from .contexts import ContextPool


async def serve() -> int:
    callback = os.environ["JOBCTL_CALLBACK"]
    token = os.environ["JOBCTL_WORKER_TOKEN"]
    apis = ApiLoader(Path(os.environ["JOBCTL_PROJECT"]))
    artifacts = Path(os.environ["JOBCTL_ARTIFACTS"])
    assert sys.__stdout__ is not None and sys.__stderr__ is not None
    sys.stdout = RoutedStream(sys.__stdout__)
    sys.stderr = RoutedStream(sys.__stderr__)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, force=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.__stdin__)
    tasks: dict[str, asyncio.Task[None]] = {}
    events = AttemptEventPoster(callback, token)
    browser_gone = asyncio.Event()

    async with async_playwright() as playwright:
        profile = tempfile.TemporaryDirectory(prefix="jobctl-profile-")
        browser, main = await launch_with_profile(playwright, Path(profile.name))
        shared = int(os.environ.get("JOBCTL_ATTEMPTS_PER_WORKER", "4"))
        pool = ContextPool(browser, max_idle=shared, main_context=main)
        print("ready", file=sys.__stderr__, flush=True)

        async def attempt(request: dict[str, Any]) -> None:
            send = events.sender(request["attempt_id"])
            ask = asker(callback, token, request["attempt_id"])
            try:
                await run_attempt(pool, apis, request, artifacts, send=send, ask=ask)
            except asyncio.CancelledError:
                send(worker_event("cancelled"))
            except BrowserGoneError:
                browser_gone.set()
            finally:
                tasks.pop(request["attempt_id"], None)

        async def commands() -> None:
            while line := await reader.readline():
                message = json.loads(line)
                if message["op"] == "start":
                    request = message["request"]
                    tasks[request["attempt_id"]] = asyncio.create_task(attempt(request))
                elif message["op"] == "cancel" and message["attempt_id"] in tasks:
                    tasks[message["attempt_id"]].cancel()

        reading = asyncio.create_task(commands())
        gone = asyncio.create_task(browser_gone.wait())
        await asyncio.wait([reading, gone], return_when=asyncio.FIRST_COMPLETED)
        for task in (reading, gone, *tasks.values()):
            task.cancel()
        with contextlib.suppress(Exception):
            await pool.close()
            await main.close()
        profile.cleanup()
    events.flush()
    return 3 if browser_gone.is_set() else 0


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
