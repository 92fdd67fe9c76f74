"""What to do about ticks that passed while the controller was not running.

Rule (DESIGN.md): of the ticks missed since the last recorded one, at most the most recent one
starts, and only if it is within ``catchupWindow`` of now; every other missed tick is recorded as
missed. The plan is a pure function of (schedule, last recorded tick, now), so a controller that
crashes while applying it computes the same plan again after restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schedule import CompiledSchedule

MISSED_LIMIT = 1000
"""Missed ticks listed individually; beyond this only the fact of truncation is reported."""


@dataclass(frozen=True)
class CatchUpPlan:
    start: int | None
    """The one missed tick to start now, or None."""
    missed: tuple[int, ...]
    """Missed ticks that will not start, oldest first (at most ``MISSED_LIMIT``)."""
    missed_truncated: bool
    next_tick: int | None
    """The first tick strictly after now: when the schedule fires next in the normal way."""


def plan_catchup(
    schedule: CompiledSchedule,
    *,
    last_tick_ms: int,
    now_ms: int,
    window_ms: int | None = None,
) -> CatchUpPlan:
    """Ticks in (``last_tick_ms``, ``now_ms``] are missed; decide which one, if any, starts.

    ``last_tick_ms`` is the last tick the controller recorded for this Job or, for a Job never
    scheduled before, the moment it was first seen, so a new Job does not fire for its past.
    """
    window = schedule.spec.catchupWindow if window_ms is None else window_ms
    next_tick = schedule.next_after(now_ms)
    latest = schedule.latest_at_or_before(now_ms)
    if latest is None or latest <= last_tick_ms:
        return CatchUpPlan(None, (), False, next_tick)
    start = latest if now_ms - latest <= window else None
    earlier = schedule.ticks_after(last_tick_ms, MISSED_LIMIT + 1)
    missed = [t.time_ms for t in earlier if t.time_ms <= now_ms and t.time_ms != start]
    truncated = len(missed) > MISSED_LIMIT or (
        len(earlier) == MISSED_LIMIT + 1 and earlier[-1].time_ms < latest
    )
    return CatchUpPlan(start, tuple(missed[:MISSED_LIMIT]), truncated, next_tick)
