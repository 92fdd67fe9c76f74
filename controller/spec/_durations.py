"""Durations as the Intuned docs write them: milliseconds or ms-style strings ("1h", "2 days").

The grammar is that of the `ms` package the docs link to: an optional sign, a decimal number,
optional spaces and a unit (ms, s, m, h, d, w, y and their long forms, case-insensitive); no unit
means milliseconds. A year is 365.25 days, as in `ms`. Results are whole milliseconds.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

_UNIT_MS: dict[str, float] = {}
for _names, _ms in (
    (("milliseconds", "millisecond", "msecs", "msec", "ms"), 1),
    (("seconds", "second", "secs", "sec", "s"), 1000),
    (("minutes", "minute", "mins", "min", "m"), 60_000),
    (("hours", "hour", "hrs", "hr", "h"), 3_600_000),
    (("days", "day", "d"), 86_400_000),
    (("weeks", "week", "w"), 604_800_000),
    (("years", "year", "yrs", "yr", "y"), 31_557_600_000),
):
    for _name in _names:
        _UNIT_MS[_name] = _ms

_DURATION = re.compile(r"^(?P<num>[-+]?(?:\d+)?\.?\d+) *(?P<unit>[a-z]+)?$", re.IGNORECASE)

UNITS_HELP = "a number of milliseconds or a string like '90s', '30m', '1.5h', '7d' or '2 days'"


class DurationError(ValueError):
    pass


def parse_duration_ms(value: object) -> int:
    """Milliseconds for a number or ms-style string; ``DurationError`` says what is wrong."""
    if isinstance(value, bool):
        raise DurationError(f"expected {UNITS_HELP}, got a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise DurationError(f"expected {UNITS_HELP}, got {value}")
        return round(value)
    if not isinstance(value, str):
        raise DurationError(f"expected {UNITS_HELP}, got {type(value).__name__}")
    match = _DURATION.match(value.strip())
    if not match:
        raise DurationError(f"{value!r} is not a duration; use {UNITS_HELP}")
    unit = (match["unit"] or "ms").lower()
    if unit not in _UNIT_MS:
        raise DurationError(
            f"{value!r} has an unknown unit {match['unit']!r}; use ms, s, m, h, d, w or y"
        )
    return round(float(match["num"]) * _UNIT_MS[unit])


def format_duration_ms(ms: int) -> str:
    """Shortest exact rendering: 3600000 -> '1h', 90000 -> '90s', 1500 -> '1500ms'."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def instant_ms(moment: datetime) -> int:
    """Epoch milliseconds of an instant; one written without an offset is UTC (as the REST
    API, the CLI and resources' annotations take them)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)
