"""A schedule's next fire times, explained: what ``jobctl schedule preview`` prints and the
dashboard's Job page shows. Pure: the spec and the instant to start after are given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..spec import ScheduleSpec
from .schedule import CompiledSchedule, jitter_delay_ms


def format_utc(ms: int) -> str:
    """ISO 8601 in UTC ending in Z; milliseconds only when there are any."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def preview_rows(
    job_id: str, spec: ScheduleSpec, after_ms: int, count: int
) -> list[dict[str, Any]]:
    """The next ``count`` ticks strictly after ``after_ms`` (fewer when calendars end): UTC and
    local time, the interval or calendar that fires, and with jitter the delayed fire time."""
    schedule = CompiledSchedule(spec)
    zone = ZoneInfo(spec.timeZone)
    rows = []
    for tick in schedule.ticks_after(after_ms, count):
        local = datetime.fromtimestamp(tick.time_ms / 1000, zone)
        sources = [schedule.sources[i] for i in tick.sources]
        row: dict[str, Any] = {
            "time": format_utc(tick.time_ms),
            "local_time": local.isoformat(),
            "time_zone": spec.timeZone,
            "source": sources[0].label,
            "sources": [s.label for s in sources],
            "comment": sources[0].comment,
        }
        if spec.jitter:
            delay = jitter_delay_ms(job_id, tick.time_ms, spec.jitter)
            row["fire_time"] = format_utc(tick.time_ms + delay)
        rows.append(row)
    return rows
