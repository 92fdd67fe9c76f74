"""A compiled schedule: the union of its intervals and calendars, in one time zone.

All instants are integer milliseconds since the Unix epoch (UTC); nothing here reads a clock.
A tick matched by several sources at once is one tick (it lists every source that matched).
Calendars have one-second resolution; intervals are exact to the millisecond.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..spec import ScheduleSpec, format_duration_ms
from ._calendar import CompiledCalendar
from ._zones import ZoneSegments, zone_segments


@dataclass(frozen=True)
class Source:
    """Where a tick comes from, for people: ``calendars[0]`` plus that calendar's comment."""

    label: str
    comment: str | None
    summary: str


@dataclass(frozen=True)
class Tick:
    time_ms: int
    sources: tuple[int, ...]


class CompiledSchedule:
    """Answers "when does this fire next?" arithmetically; cheap to build, safe to share."""

    def __init__(self, spec: ScheduleSpec) -> None:
        self.spec = spec
        self.zone: ZoneSegments = zone_segments(spec.timeZone)
        self._intervals = [(i.every, i.offset) for i in spec.intervals]
        self._calendars = [CompiledCalendar(c) for c in spec.calendars]
        self.sources: list[Source] = [
            Source(f"intervals[{n}]", i.comment, _interval_summary(i.every, i.offset))
            for n, i in enumerate(spec.intervals)
        ] + [Source(f"calendars[{n}]", c.comment, "calendar") for n, c in enumerate(spec.calendars)]

    def next_after(self, after_ms: int) -> int | None:
        """The first tick strictly after ``after_ms``, or None if there is none (past 2100)."""
        best: int | None = None
        for index in range(len(self.sources)):
            candidate = self._source_next(index, after_ms)
            if candidate is not None and (best is None or candidate < best):
                best = candidate
        return best

    def ticks_after(self, after_ms: int, count: int) -> list[Tick]:
        """The next ``count`` ticks strictly after ``after_ms``, each with its sources."""
        upcoming = [self._source_next(i, after_ms) for i in range(len(self.sources))]
        ticks: list[Tick] = []
        while len(ticks) < count:
            pending = [t for t in upcoming if t is not None]
            if not pending:
                break
            now = min(pending)
            matched = tuple(i for i, t in enumerate(upcoming) if t == now)
            ticks.append(Tick(now, matched))
            for i in matched:
                upcoming[i] = self._source_next(i, now)
        return ticks

    def latest_at_or_before(self, at_ms: int, horizon_ms: int = 2**45) -> int | None:
        """The last tick <= ``at_ms`` (within ``horizon_ms``), without enumerating ticks.

        Gallops back until some tick lies in (at - span, at], then bisects for the largest
        ``x`` with ``next_after(x) <= at``: that next tick is the latest one.
        """
        span = 1000
        while not self._fires_between(at_ms - span, at_ms):
            span *= 2
            if span > horizon_ms:
                return None
        low, high = at_ms - span, at_ms
        while high - low > 1:
            middle = (low + high) // 2
            if self._fires_between(middle, at_ms):
                low = middle
            else:
                high = middle
        return self.next_after(low)

    def _fires_between(self, after_ms: int, until_ms: int) -> bool:
        tick = self.next_after(after_ms)
        return tick is not None and tick <= until_ms

    def _source_next(self, index: int, after_ms: int) -> int | None:
        if index < len(self._intervals):
            every, offset = self._intervals[index]
            return ((after_ms - offset) // every + 1) * every + offset
        return self._calendar_next(self._calendars[index - len(self._intervals)], after_ms)

    def _calendar_next(self, calendar: CompiledCalendar, after_ms: int) -> int | None:
        t = after_ms // 1000 + 1
        while True:
            offset, segment_end = self.zone.segment(t)
            local = calendar.next_local(t + offset)
            if local is None:
                return None
            if segment_end is None or local - offset < segment_end:
                return (local - offset) * 1000
            t = segment_end


def _interval_summary(every: int, offset: int) -> str:
    text = f"every {format_duration_ms(every)}"
    return f"{text} +{format_duration_ms(offset)}" if offset else text


def jitter_delay_ms(job_id: str, tick_ms: int, jitter_ms: int) -> int:
    """A delay in [0, jitter_ms) that is the same for the same (job, tick) on every replica
    and after every restart, so a recovering controller agrees with the one that crashed."""
    if jitter_ms <= 0:
        return 0
    digest = hashlib.sha256(f"{job_id}\x00{tick_ms}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % jitter_ms
