"""A time zone as a sequence of constant-offset segments.

Between two UTC-offset transitions, local wall time is UTC plus a constant, so calendar matching
inside one segment is plain arithmetic on "local seconds". Walking segment by segment gives
Temporal's wall-clock semantics for free: local times skipped by a spring-forward transition
belong to no segment (they never fire), and local times repeated by a fall-back transition belong
to two segments (they fire twice, in UTC order).

Transitions are discovered from ``zoneinfo`` itself (by probing offsets once a day, then bisecting
to the second), so this module agrees with zoneinfo by construction, including the POSIX rules it
applies to far-future years. Results are cached per zone and UTC year, and a segment never
extends past the end of a UTC year, so no call ever looks further ahead than one year.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

_DAY = 86_400
_FIXED_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Zulu"})


def _year_start(year: int) -> int:
    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp())


class ZoneSegments:
    """``segment(t)`` -> (UTC offset in seconds at t, end of that constant-offset stretch)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.fixed = zone.key in _FIXED_ZONES
        self._years: dict[int, tuple[list[int], list[int], int]] = {}

    def offset_at(self, t: int) -> int:
        delta = datetime.fromtimestamp(t, self.zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    def segment(self, t: int) -> tuple[int, int | None]:
        """Offset at UTC second ``t`` and the first second after ``t`` where it may change.

        ``None`` as the end means the offset never changes (UTC and its aliases).
        """
        if self.fixed:
            return 0, None
        year = datetime.fromtimestamp(t, UTC).year
        transitions, offsets, year_end = self._year(year)
        index = bisect.bisect_right(transitions, t)
        end = transitions[index] if index < len(transitions) else year_end
        return offsets[index], end

    def _year(self, year: int) -> tuple[list[int], list[int], int]:
        """Transition instants within a UTC year and the offset in force before/after each."""
        cached = self._years.get(year)
        if cached is None:
            start, end = _year_start(year), _year_start(year + 1)
            transitions: list[int] = []
            offsets = [self.offset_at(start)]
            probe = start
            while probe < end:
                following = min(probe + _DAY, end - 1)
                if self.offset_at(following) != offsets[-1]:
                    change = self._first_change(probe, following, offsets[-1])
                    transitions.append(change)
                    offsets.append(self.offset_at(change))
                    probe = change
                    continue
                if following == end - 1:
                    break
                probe = following
            cached = (transitions, offsets, end)
            self._years[year] = cached
        return cached

    def _first_change(self, low: int, high: int, offset: int) -> int:
        """Smallest t in (low, high] whose offset differs, given offset(low) == offset."""
        while high - low > 1:
            middle = (low + high) // 2
            if self.offset_at(middle) == offset:
                low = middle
            else:
                high = middle
        return high


@lru_cache(maxsize=512)
def zone_segments(name: str) -> ZoneSegments:
    return ZoneSegments(ZoneInfo(name))
