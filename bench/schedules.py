"""Next fire time for 10,000 varied schedules (issue: >= 20,000 schedules/s).

The schedules mix intervals and calendars of every shape over ten time zones, most with DST.
The figure counts compiling each schedule *and* computing its next fire time, from instants
spread over the century, in a warm process (best of three passes). ``first_pass_per_s`` is the
same work in a cold process, which also builds each zone's transition table for every year it
touches (here ~1,000 zone-years; a controller touches a handful). Parsing the job file is
excluded: it happens once per file change, not per tick.
"""

from __future__ import annotations

import random
import time
from typing import Any

from controller.schedule import CompiledSchedule
from controller.spec import ScheduleSpec

COUNT = 10_000
TARGET = 20_000
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Europe/London",
    "America/Los_Angeles",
    "Pacific/Auckland",
]


def _field(rng: random.Random, low: int, high: int) -> Any:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randint(low, high)
    if kind == 1:
        return sorted(rng.sample(range(low, high + 1), k=min(3, high - low + 1)))
    if kind == 2:
        start = rng.randint(low, high)
        return {"start": start, "end": rng.randint(start, high), "step": rng.randint(1, 4)}
    if kind == 3:
        return f"{rng.randint(low, high)}/{rng.randint(2, 9)}"
    return "*"


def _spec(rng: random.Random) -> dict[str, Any]:
    spec: dict[str, Any] = {"timeZone": rng.choice(ZONES)}
    if rng.random() < 0.3:
        spec["intervals"] = [{"every": rng.choice(["30m", "1h", "6h", "1d", "7d", 90_000])}]
    calendars = []
    for _ in range(rng.randint(0 if "intervals" in spec else 1, 2)):
        calendar: dict[str, Any] = {"hour": _field(rng, 0, 23), "minute": _field(rng, 0, 59)}
        if rng.random() < 0.4:
            calendar["dayOfWeek"] = rng.choice(["MON-FRI", "SAT,SUN", _field(rng, 0, 6)])
        if rng.random() < 0.3:
            calendar["dayOfMonth"] = _field(rng, 1, 31)
        if rng.random() < 0.2:
            calendar["month"] = _field(rng, 1, 12)
        calendars.append(calendar)
    if calendars:
        spec["calendars"] = calendars
    return spec


def run() -> dict[str, Any]:
    rng = random.Random(20261122)
    specs = [ScheduleSpec.model_validate(_spec(rng)) for _ in range(COUNT)]
    starts = [rng.randint(946_684_800_000, 4_070_908_800_000) for _ in range(COUNT)]
    cold = _compile_and_next(specs, starts)
    warm = min(_compile_and_next(specs, starts) for _ in range(3))
    compiled = [CompiledSchedule(spec) for spec in specs]
    started = time.perf_counter()
    fired = sum(
        schedule.next_after(after) is not None
        for schedule, after in zip(compiled, starts, strict=True)
    )
    next_only = time.perf_counter() - started
    return {
        "benchmark": "schedule_next_fire_time",
        "value": round(COUNT / warm),
        "unit": "schedules/s",
        "target": TARGET,
        "schedules": COUNT,
        "with_a_next_fire_time": fired,
        "first_pass_per_s": round(COUNT / cold),
        "next_fire_only_per_s": round(COUNT / next_only),
    }


def _compile_and_next(specs: list[ScheduleSpec], starts: list[int]) -> float:
    """Seconds to compile every schedule and compute its next fire time."""
    started = time.perf_counter()
    for spec, after in zip(specs, starts, strict=True):
        CompiledSchedule(spec).next_after(after)
    return time.perf_counter() - started


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
