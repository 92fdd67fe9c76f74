"""Intervals are epoch-aligned; catch-up starts at most the latest missed tick in the window."""

from __future__ import annotations

import pytest

from controller.schedule import jitter_delay_ms, plan_catchup
from controller.spec import load_job_file_text

from .helpers import compiled, ms, next_times


@pytest.mark.parametrize(
    ("interval", "after", "expected"),
    [
        (
            {"every": "1h"},
            "2026-11-22T10:20:00+00:00",
            ["2026-11-22T11:00:00Z", "2026-11-22T12:00:00Z"],
        ),
        (
            {"every": 86400000, "offset": "30m"},
            "2026-11-22T00:30:00+00:00",
            ["2026-11-23T00:30:00Z"],
        ),
        (
            {"every": "1.5h"},
            "1970-01-01T00:00:00+00:00",
            ["1970-01-01T01:30:00Z", "1970-01-01T03:00:00Z"],
        ),
        ({"every": "7d"}, "1970-01-01T00:00:00+00:00", ["1970-01-08T00:00:00Z"]),
        (
            {"every": "2 days", "offset": "1s"},
            "1970-01-01T00:00:01+00:00",
            ["1970-01-03T00:00:01Z"],
        ),
        ({"every": "250ms"}, "2026-01-01T00:00:00+00:00", ["2026-01-01T00:00:00.250Z"]),
    ],
)
def test_intervals_are_epoch_aligned(interval: dict, after: str, expected: list[str]) -> None:
    assert next_times(compiled(intervals=[interval]), after, len(expected)) == expected


@pytest.mark.parametrize(
    ("interval", "fragment"),
    [
        ({"every": "banana"}, "is not a duration"),
        ({"every": 0}, "greater than zero"),
        ({"every": "-5m"}, "greater than zero"),
        ({"every": "5 fortnights"}, "unknown unit"),
        ({"every": "1h", "offset": "2h"}, "must be smaller than every"),
        ({"every": True}, "boolean"),
    ],
)
def test_bad_intervals_are_located_errors(interval: dict, fragment: str) -> None:
    import json

    text = json.dumps({"payload": [{"api": "a"}], "schedule": {"intervals": [interval]}})
    problems = load_job_file_text(text, "j.job.json").problems
    assert any(fragment in p.message for p in problems), [str(p) for p in problems]
    assert all(p.position.column > 1 for p in problems)


HOURLY = {"intervals": [{"every": "1h"}]}


def test_catchup_starts_only_the_latest_missed_tick_within_the_window() -> None:
    plan = plan_catchup(
        compiled(**HOURLY),
        last_tick_ms=ms("2026-11-22T01:00:00+00:00"),
        now_ms=ms("2026-11-22T05:30:00+00:00"),
    )
    assert plan.start == ms("2026-11-22T05:00:00+00:00")
    assert plan.missed == tuple(ms(f"2026-11-22T0{h}:00:00+00:00") for h in (2, 3, 4))
    assert plan.next_tick == ms("2026-11-22T06:00:00+00:00")


def test_catchup_outside_the_window_starts_nothing() -> None:
    plan = plan_catchup(
        compiled(**HOURLY, catchupWindow="10m"),
        last_tick_ms=ms("2026-11-22T01:00:00+00:00"),
        now_ms=ms("2026-11-22T05:30:00+00:00"),
    )
    assert plan.start is None
    assert len(plan.missed) == 4


def test_catchup_with_nothing_missed() -> None:
    plan = plan_catchup(
        compiled(**HOURLY),
        last_tick_ms=ms("2026-11-22T05:00:00+00:00"),
        now_ms=ms("2026-11-22T05:59:59+00:00"),
    )
    assert (plan.start, plan.missed) == (None, ())


def test_catchup_after_long_downtime_is_bounded() -> None:
    plan = plan_catchup(
        compiled(intervals=[{"every": "1s"}]),
        last_tick_ms=0,
        now_ms=ms("2026-01-01T00:00:00+00:00"),
    )
    assert plan.start == ms("2026-01-01T00:00:00+00:00")
    assert plan.missed_truncated and len(plan.missed) == 1000


def test_latest_tick_of_a_sparse_calendar_is_found() -> None:
    schedule = compiled(calendars=[{"month": 2, "dayOfMonth": 29, "hour": 12}])
    assert schedule.latest_at_or_before(ms("2031-01-01T00:00:00+00:00")) == ms(
        "2028-02-29T12:00:00+00:00"
    )


def test_jitter_is_deterministic_and_bounded() -> None:
    delays = [jitter_delay_ms("job-a", tick, 30_000) for tick in range(0, 10_000_000, 3_600_000)]
    assert delays == [
        jitter_delay_ms("job-a", tick, 30_000) for tick in range(0, 10_000_000, 3_600_000)
    ]
    assert all(0 <= d < 30_000 for d in delays) and len(set(delays)) > 1
    assert jitter_delay_ms("job-a", 0, 30_000) != jitter_delay_ms("job-b", 0, 30_000)
    assert jitter_delay_ms("job-a", 0, 0) == 0
