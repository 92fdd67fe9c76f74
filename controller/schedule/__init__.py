"""Scheduling math: pure functions of a ``ScheduleSpec`` and instants passed in (no clock, no I/O).

Semantics follow Temporal's ScheduleSpec: a schedule fires whenever any interval or calendar
matches; calendars match local wall-clock time in ``timeZone``, so a local time skipped by a DST
change does not fire and a repeated one fires twice.
"""

from .catchup import MISSED_LIMIT, CatchUpPlan, plan_catchup
from .preview import format_utc, preview_rows
from .schedule import CompiledSchedule, Source, Tick, jitter_delay_ms

__all__ = [
    "MISSED_LIMIT",
    "CatchUpPlan",
    "CompiledSchedule",
    "Source",
    "Tick",
    "format_utc",
    "jitter_delay_ms",
    "plan_catchup",
    "preview_rows",
]
