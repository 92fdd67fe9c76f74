"""An in-memory launcher for tests: attempts "run" as asyncio tasks, no browser involved.

Usable in-process (construct ``FakeLauncher``) and in a ``jobctl run`` subprocess through
``--launcher tests.support.launchers:create``; the subprocess form reads its behaviour from
environment variables so a test can configure a controller it is about to kill.

Behaviour per attempt, by API name: ``fail-once`` fails its first attempt, ``user-error`` fails
with a user-category error, ``crash`` exits without a result, ``fanout`` extends the payload with
``parameters.count`` ``echo`` items; anything else succeeds with ``{"echo": parameters}``.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator

from controller.engine import (
    AttemptEvent,
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptRequest,
    AttemptResult,
    AttemptStarted,
)


class FakeLauncher:
    browsers = None  # no browser, no AuthSessions, no artifacts
    adopter = None

    def __init__(
        self, capacity: int = 8, *, delay_s: tuple[float, float] = (0.0, 0.0), seed: int = 0
    ) -> None:
        self.capacity = capacity
        self.delay_s = delay_s
        self.started: list[AttemptRequest] = []
        self.cancelled: list[str] = []
        self._queue: asyncio.Queue[AttemptEvent] = asyncio.Queue()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._random = random.Random(seed)

    async def start(self, request: AttemptRequest) -> None:
        self.started.append(request)
        self._tasks[request.attempt_id] = asyncio.create_task(self._run(request))

    async def cancel(self, attempt_id: str) -> None:
        self.cancelled.append(attempt_id)
        task = self._tasks.pop(attempt_id, None)
        if task is not None:
            task.cancel()
        self._queue.put_nowait(AttemptExited(attempt_id, None))

    async def events(self) -> AsyncIterator[AttemptEvent]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    async def _run(self, request: AttemptRequest) -> None:
        put = self._queue.put_nowait
        put(AttemptStarted(request.attempt_id))
        low, high = self.delay_s
        if high:
            await asyncio.sleep(self._random.uniform(low, high))
        name = request.api_name
        if name == "fail-once" and request.attempt_number == 1:
            put(
                AttemptFailed(
                    request.attempt_id,
                    {"code": "flaky", "category": "execution", "message": "first try fails"},
                )
            )
        elif name == "user-error":
            put(
                AttemptFailed(
                    request.attempt_id,
                    {
                        "code": "api-not-found",
                        "category": "user",
                        "message": f"no such API (item {request.parameters.get('n', 0)})",
                    },
                )
            )
        elif name == "crash":
            put(AttemptExited(request.attempt_id, -9))
        else:
            if name == "fanout":
                items = [
                    {"api": "echo", "parameters": {"n": n}}
                    for n in range(request.parameters["count"])
                ]
                put(AttemptExtendedPayload(request.attempt_id, tuple(items)))
            put(AttemptResult(request.attempt_id, {"echo": request.parameters}))
        put(AttemptExited(request.attempt_id, 0))
        self._tasks.pop(request.attempt_id, None)


def create(capacity: int) -> FakeLauncher:
    """Factory for ``jobctl run --launcher``; JOBCTL_FAKE_DELAY="low,high" in seconds."""
    low, _, high = os.environ.get("JOBCTL_FAKE_DELAY", "0,0").partition(",")
    return FakeLauncher(capacity, delay_s=(float(low), float(high or low)), seed=os.getpid())
