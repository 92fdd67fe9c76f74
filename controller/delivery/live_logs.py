"""The logs of attempts in flight, as their workers send them (a ``log`` event about once a
second while user code prints), for whoever follows one (the dashboard's Run page). When the
attempt ends its ``log.txt`` artifact is the log; the live copy is dropped.

Held in memory only: the last ``TAIL_CHARS`` of each attempt's log, for at most
``ATTEMPTS_HELD`` attempts (the oldest dropped first, should an attempt's end never be heard).
Text arrives masked by the worker; it is redacted again here with the controller's secrets.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

TAIL_CHARS = 64 * 1024
ATTEMPTS_HELD = 1024
RECHECK_S = 2.0


@dataclass
class _Live:
    tail: str = ""
    ended: bool = False
    followers: list[asyncio.Queue[str | None]] = field(default_factory=list)


class LiveLogs:
    def __init__(self, redact: Callable[[str], str] = lambda text: text) -> None:
        self._redact = redact
        self._held: OrderedDict[str, _Live] = OrderedDict()

    def append(self, attempt_id: str, text: str) -> None:
        live = self._held.get(attempt_id)
        if live is None:
            live = self._held[attempt_id] = _Live()
            while len(self._held) > ATTEMPTS_HELD:
                self._close(self._held.popitem(last=False)[1])
        text = self._redact(text)
        live.tail = (live.tail + text)[-TAIL_CHARS:]
        for follower in live.followers:
            follower.put_nowait(text)

    def ended(self, attempt_id: str) -> None:
        live = self._held.pop(attempt_id, None)
        if live is not None:
            self._close(live)

    def _close(self, live: _Live) -> None:
        live.ended = True
        for follower in live.followers:
            follower.put_nowait(None)

    async def follow(self, attempt_id: str, in_flight: Callable[[], bool]) -> AsyncIterator[str]:
        """The log so far, then each piece as it arrives, until the attempt ends; ``in_flight``
        is asked every ``RECHECK_S`` while nothing arrives, so that following an attempt whose
        end came before (or without) its first line ends too."""
        live = self._held.get(attempt_id)
        if live is None:
            live = self._held[attempt_id] = _Live()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        live.followers.append(queue)
        try:
            if live.tail:
                yield live.tail
            while True:
                try:
                    piece = await asyncio.wait_for(queue.get(), RECHECK_S)
                except TimeoutError:
                    if in_flight():
                        continue
                    self.ended(attempt_id)
                    return
                if piece is None:
                    return
                yield piece
        finally:
            live.followers.remove(queue)
