"""What a worker's runner is, wherever its commands come from: one warm Chromium running several
attempts at once, each a task that reports through its agent.

A cancelled attempt stops at its next await, closes its context and reports ``cancelled``. When
the browser dies, ``gone`` is set: the process exits and whoever started it replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from playwright.async_api import async_playwright

from ..vocabulary import error, worker_event
from .apis import ApiLoader
from .attempt import BrowserGoneError, run_attempt
from .browser import launch_with_profile
from .callback import Upload
from .contexts import ContextPool
from .logs import RoutedStream
from .runtime import Ask, Send

STOP_GRACE_S = 5.0


class Reporting(Protocol):
    """How an attempt reaches the controller: through whoever holds its credential."""

    def sender(self, attempt_id: str) -> Send: ...
    def asker(self, attempt_id: str) -> Ask: ...
    def uploader(self, attempt_id: str) -> Upload: ...
    def ended(self, attempt_id: str) -> None: ...


class AttemptHost:
    def __init__(
        self, pool: ContextPool, apis: ApiLoader, artifacts: Path, reporting: Reporting
    ) -> None:
        self.pool, self.apis, self.artifacts = pool, apis, artifacts
        self.reporting = reporting
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.gone = asyncio.Event()

    def start(self, request: dict[str, Any]) -> None:
        attempt_id = request["attempt_id"]
        if attempt_id not in self.tasks:  # a command repeated after a lost answer
            self.tasks[attempt_id] = asyncio.create_task(self._attempt(request))

    def cancel(self, attempt_id: str) -> None:
        if attempt_id in self.tasks:
            self.tasks[attempt_id].cancel()

    async def _attempt(self, request: dict[str, Any]) -> None:
        attempt_id = request["attempt_id"]
        logging.getLogger(__name__).info("attempt %s started", attempt_id)  # the worker's log
        send = self.reporting.sender(attempt_id)
        try:
            await run_attempt(
                self.pool,
                self.apis,
                request,
                self.artifacts,
                send=send,
                ask=self.reporting.asker(attempt_id),
                upload=self.reporting.uploader(attempt_id),
            )
        except asyncio.CancelledError:
            send(worker_event("cancelled"))
        except BrowserGoneError:
            self.gone.set()
        except Exception as exc:  # a defect of the worker: the attempt must still end, now
            logging.getLogger(__name__).exception("attempt %s failed", attempt_id)
            failure = error("worker-error", "infrastructure", f"{type(exc).__name__}: {exc}")
            send(worker_event("failed", error=failure))
        finally:
            self.tasks.pop(attempt_id, None)
            self.reporting.ended(attempt_id)

    async def stop(self) -> None:
        """Cancel what still runs and give it a moment to report ``cancelled``."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_GRACE_S)


def route_output() -> None:
    """Attempts' prints and log records go to their own attempt's log (``RoutedStream``)."""
    assert sys.__stdout__ is not None and sys.__stderr__ is not None
    sys.stdout = RoutedStream(sys.__stdout__)
    sys.stderr = RoutedStream(sys.__stderr__)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, force=True)


@contextlib.asynccontextmanager
async def warm_host(
    reporting: Reporting, *, project: Path, artifacts: Path, shared_contexts: int
) -> AsyncIterator[AttemptHost]:
    """A host with its Chromium launched; on exit its attempts are cancelled, their last events
    sent, and the browser closed."""
    async with async_playwright() as playwright:
        profile = tempfile.TemporaryDirectory(prefix="jobctl-profile-")
        browser, main, cdp_url = await launch_with_profile(playwright, Path(profile.name))
        pool = ContextPool(browser, max_idle=shared_contexts, main_context=main, cdp_url=cdp_url)
        host = AttemptHost(pool, ApiLoader(project), artifacts, reporting)
        try:
            yield host
        finally:
            await host.stop()
            with contextlib.suppress(Exception):
                await pool.close()
                await main.close()
            profile.cleanup()
