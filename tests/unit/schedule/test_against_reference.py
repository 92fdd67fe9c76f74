"""The arithmetic scheduler agrees with the brute-force reference on random calendars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.schedule import CompiledSchedule
from controller.spec import CalendarSpec, ScheduleSpec

from .reference import reference_ticks

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Santiago",
    "Africa/Casablanca",
]
WINDOW_MS = 2 * 86_400_000
LIMIT = 150


def values(low: int, high: int) -> st.SearchStrategy[object]:
    number = st.integers(low, high)
    return st.one_of(
        number,
        st.lists(number, min_size=1, max_size=4, unique=True),
        st.tuples(number, number, st.integers(1, 7)).map(
            lambda t: {"start": min(t[0], t[1]), "end": max(t[0], t[1]), "step": t[2]}
        ),
        st.tuples(number, st.integers(1, 9)).map(lambda t: f"{t[0]}/{t[1]}"),
        st.tuples(number, number).map(lambda t: f"{min(t)}-{max(t)}"),
        st.just("*"),
    )


CALENDAR = st.fixed_dictionaries(
    {},
    optional={
        "second": st.one_of(st.just(0), st.lists(st.integers(0, 59), min_size=1, max_size=3)),
        "minute": values(0, 59),
        "hour": values(0, 23),
        "dayOfMonth": st.one_of(
            st.just("*"), values(1, 31), st.sampled_from([29, 30, 31, "28-31"])
        ),
        "month": st.one_of(
            st.just("*"), values(1, 12), st.sampled_from(["FEB", "mar-apr", "OCT,NOV"])
        ),
        "dayOfWeek": st.one_of(
            st.just("*"), values(0, 7), st.sampled_from(["MON-FRI", "sat,sun", "SU"])
        ),
    },
)


def instants() -> st.SearchStrategy[int]:
    anywhere = st.integers(ms_of(2000, 1, 1), ms_of(2099, 12, 1))
    near_dst = st.tuples(
        st.integers(2000, 2099),
        st.sampled_from([3, 4, 9, 10, 11]),
        st.integers(1, 28),
        st.integers(0, 86_399_999),
    ).map(lambda t: ms_of(t[0], t[1], t[2]) + t[3])
    return st.one_of(anywhere, near_dst, near_dst)


def ms_of(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)


def assert_agrees(calendars: list[dict], zone: str, after: int) -> None:
    spec = ScheduleSpec.model_validate({"calendars": calendars, "timeZone": zone})
    expected = reference_ticks(list(spec.calendars), zone, after, after + WINDOW_MS)[:LIMIT]
    fast = [t.time_ms for t in CompiledSchedule(spec).ticks_after(after, LIMIT)]
    fast_in_window = [t for t in fast if t <= after + WINDOW_MS]
    assert fast_in_window == expected, (calendars, zone, after)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CALENDAR, min_size=1, max_size=2), st.sampled_from(ZONES), instants())
def test_random_calendars_agree_with_the_reference(
    calendars: list[dict], zone: str, after: int
) -> None:
    assert_agrees(calendars, zone, after)


def _dst_days(zone: str) -> list[int]:
    """Midnight UTC before each offset change of ``zone`` in 2000-2099, found by daily probing."""
    tz = ZoneInfo(zone)
    days = []
    day = datetime(2000, 1, 1, tzinfo=UTC)
    offset = day.astimezone(tz).utcoffset()
    while day.year < 2100:
        following = day + timedelta(days=1)
        if following.astimezone(tz).utcoffset() != offset:
            days.append(int(day.timestamp() * 1000))
            offset = following.astimezone(tz).utcoffset()
        day = following
    return days


DST_CALENDARS = [
    [{"hour": "0-4", "minute": "0,30", "second": [0, 59]}],
    [{"hour": "*", "minute": "15/20"}],
    [{"hour": 2, "minute": "*/10", "dayOfWeek": "SUN"}],
]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize("calendars", DST_CALENDARS, ids=["early-hours", "every-20m", "sunday-2am"])
def test_every_dst_transition_of_the_century(zone: str, calendars: list[dict]) -> None:
    spec = ScheduleSpec.model_validate({"calendars": calendars, "timeZone": zone})
    schedule = CompiledSchedule(spec)
    days = _dst_days(zone)
    assert len(days) >= 190
    for day in days:
        after = day - 3_600_000
        expected = reference_ticks(list(spec.calendars), zone, after, after + WINDOW_MS)
        fast = [t.time_ms for t in schedule.ticks_after(after, len(expected) + 1)]
        assert [t for t in fast if t <= after + WINDOW_MS] == expected, (zone, day)


def test_reference_sees_the_repeated_hour_twice() -> None:
    cal = CalendarSpec.model_validate({"hour": 2, "minute": 30})
    day = ms_of(2026, 10, 25)
    ticks = reference_ticks([cal], "Europe/Berlin", day - 3_600_000, day + 12 * 3_600_000)
    assert ticks == [day + 1_800_000, day + 5_400_000]  # 02:30 CEST, then 02:30 CET
