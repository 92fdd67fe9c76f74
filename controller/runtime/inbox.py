"""The runtime loop's inbox and its messages, besides the launcher's attempt events."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from ..engine import AttemptEvent
from .ports import Change


class Wake:
    """A command changed the engine outside the loop: perform its effects."""


@dataclass(frozen=True)
class SinkRefused:
    """The Job's S3 sink refused a result of this JobRun: the runtime pauses the Job."""

    job_id: str
    job_run_id: str
    why: str


@dataclass(frozen=True)
class ResultsStored:
    """The JobRun's results file was stored: its status can link it now."""

    job_run_id: str


@dataclass(frozen=True)
class DefinitionsChanged:
    """A definition source has a change to apply in the next pass."""

    change: Change


InboxItem = AttemptEvent | Wake | SinkRefused | ResultsStored | DefinitionsChanged | None
"""None: stop."""


class Inbox:
    """What wakes the loop: attempt events, commands' wake-ups, changes of definitions, and
    what the deliverer reports from its task. Made before the runtime's parts, so that each part
    that reports to the loop is given where to."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[InboxItem] = asyncio.Queue()

    def put(self, item: InboxItem) -> None:
        self._queue.put_nowait(item)

    def sink_refused(self, job_id: str, job_run_id: str, why: str) -> None:
        self.put(SinkRefused(job_id, job_run_id, why))

    def results_stored(self, job_run_id: str) -> None:
        self.put(ResultsStored(job_run_id))

    async def wait(self, timeout_s: float | None) -> list[InboxItem]:
        """What arrived within ``timeout_s`` (empty: nothing did), and whatever the tasks
        feeding the inbox had ready by then."""
        items: list[InboxItem] = []
        with contextlib.suppress(TimeoutError):
            items.append(await asyncio.wait_for(self._queue.get(), timeout_s))
        await asyncio.sleep(0)
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items
