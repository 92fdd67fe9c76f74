"""Calendar matching on local wall-clock seconds, by arithmetic rather than scanning.

``next_local(t)`` finds the smallest matching local second >= t the way a carry-propagating
odometer would: skip to the next allowed year, month and day (checking day-of-week only on
candidate days), then the next allowed hour, minute and second with bisection on sorted value
lists. The cost is a handful of steps per call, whatever the calendar.
"""

from __future__ import annotations

import bisect
import calendar as _stdlib_calendar
from datetime import date
from functools import lru_cache

from ..spec import CalendarRange, CalendarSpec

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86_400


@lru_cache(maxsize=4096)
def _values(ranges: tuple[CalendarRange, ...], *, sunday_is_seven: bool = False) -> tuple[int, ...]:
    """Sorted allowed values; cached because most calendars share their (default) ranges."""
    found = {v for r in ranges for v in r.values()}
    if sunday_is_seven and 7 in found:
        found = (found - {7}) | {0}
    return tuple(sorted(found))


class CompiledCalendar:
    __slots__ = (
        "all_weekdays",
        "days",
        "first_time",
        "hours",
        "minutes",
        "month_set",
        "months",
        "seconds",
        "weekdays",
        "year_set",
        "years",
    )

    def __init__(self, spec: CalendarSpec) -> None:
        self.seconds = _values(spec.second)
        self.minutes = _values(spec.minute)
        self.hours = _values(spec.hour)
        self.days = _values(spec.dayOfMonth)
        self.months = _values(spec.month)
        self.years = _values(spec.year)
        self.month_set = frozenset(self.months)
        self.year_set = frozenset(self.years)
        self.weekdays = frozenset(_values(spec.dayOfWeek, sunday_is_seven=True))
        self.all_weekdays = len(self.weekdays) == 7
        self.first_time = self.hours[0] * 3600 + self.minutes[0] * 60 + self.seconds[0]

    def next_local(self, t: int) -> int | None:
        """Smallest matching local second >= ``t`` (seconds since 1970-01-01 00:00 local)."""
        days, second_of_day = divmod(t, _DAY)
        ordinal = _EPOCH_ORDINAL + days
        while True:
            found = self._next_date(ordinal)
            if found is None:
                return None
            if found != ordinal:
                ordinal, second_of_day = found, 0
            time_of_day = self.first_time if second_of_day == 0 else self._next_time(second_of_day)
            if time_of_day is not None:
                return (ordinal - _EPOCH_ORDINAL) * _DAY + time_of_day
            ordinal, second_of_day = ordinal + 1, 0

    def _next_time(self, second_of_day: int) -> int | None:
        hour, rest = divmod(second_of_day, 3600)
        minute, second = divmod(rest, 60)
        hours, minutes, seconds = self.hours, self.minutes, self.seconds
        i = bisect.bisect_left(hours, hour)
        if i < len(hours) and hours[i] == hour:
            j = bisect.bisect_left(minutes, minute)
            if j < len(minutes) and minutes[j] == minute:
                k = bisect.bisect_left(seconds, second)
                if k < len(seconds):
                    return hour * 3600 + minute * 60 + seconds[k]
                j += 1
            if j < len(minutes):
                return hour * 3600 + minutes[j] * 60 + seconds[0]
            i += 1
        if i < len(hours):
            return hours[i] * 3600 + minutes[0] * 60 + seconds[0]
        return None

    def _next_date(self, ordinal: int) -> int | None:
        """Smallest ordinal >= ``ordinal`` whose year, month, day and weekday all match."""
        start = date.fromordinal(ordinal)
        year, month, day = start.year, start.month, start.day
        years, months, days = self.years, self.months, self.days
        while True:
            if year not in self.year_set:
                index = bisect.bisect_left(years, year)
                if index == len(years):
                    return None
                year, month, day = years[index], months[0], 1
            if month not in self.month_set:
                index = bisect.bisect_left(months, month)
                if index == len(months):
                    year, month, day = year + 1, months[0], 1
                    continue
                month, day = months[index], 1
            month_length = _stdlib_calendar.monthrange(year, month)[1]
            index = bisect.bisect_left(days, day)
            while index < len(days) and days[index] <= month_length:
                candidate = date(year, month, days[index]).toordinal()
                if self.all_weekdays or candidate % 7 in self.weekdays:
                    return candidate
                index += 1
            if month == 12:
                year, month = year + 1, 1
            else:
                month += 1
            day = 1
