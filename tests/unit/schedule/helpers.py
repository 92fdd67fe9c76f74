from __future__ import annotations

from datetime import datetime
from typing import Any

from controller.schedule import CompiledSchedule
from controller.spec import ScheduleSpec


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def iso(value: int) -> str:
    from controller.schedule import format_utc

    return format_utc(value)


def compiled(**spec: Any) -> CompiledSchedule:
    return CompiledSchedule(ScheduleSpec.model_validate(spec))


def next_times(schedule: CompiledSchedule, after: str, count: int) -> list[str]:
    return [iso(t.time_ms) for t in schedule.ticks_after(ms(after), count)]
