"""A deliberately naive reference matcher for calendars, independent of the fast code.

It scans every UTC minute in a window, converts it to local time with ``zoneinfo`` and tests each
field against the literal set of allowed values. Offsets since 2000 are whole minutes in every
zone, so a matching local minute fires at each allowed second of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from controller.spec import CalendarSpec


def allowed(ranges) -> set[int]:
    return {v for r in ranges for v in range(r.start, r.end + 1, r.step)}


def reference_ticks(
    calendars: list[CalendarSpec], zone: str, after_ms: int, until_ms: int
) -> list[int]:
    tz = ZoneInfo(zone)
    fields = [
        (
            allowed(c.year),
            allowed(c.month),
            allowed(c.dayOfMonth),
            {d % 7 for d in allowed(c.dayOfWeek)},
            allowed(c.hour),
            allowed(c.minute),
            sorted(allowed(c.second)),
        )
        for c in calendars
    ]
    ticks: set[int] = set()
    minute = (after_ms // 60_000) * 60
    while minute * 1000 <= until_ms:
        local = datetime.fromtimestamp(minute, UTC).astimezone(tz)
        weekday = (local.weekday() + 1) % 7  # Sunday = 0
        for years, months, days, weekdays, hours, minutes, seconds in fields:
            if (
                local.year in years
                and local.month in months
                and local.day in days
                and weekday in weekdays
                and local.hour in hours
                and local.minute in minutes
            ):
                for second in seconds:
                    instant = (minute + second) * 1000
                    if after_ms < instant <= until_ms:
                        ticks.add(instant)
        minute += 60
    return sorted(ticks)
