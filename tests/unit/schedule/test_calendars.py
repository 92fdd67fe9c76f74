"""Table-driven calendar cases, including DST days, leap days and day 31."""

from __future__ import annotations

import pytest

from .helpers import compiled, ms, next_times

CASES = [
    (
        "daily 9:00 UTC",
        {"calendars": [{"hour": 9}]},
        "2026-11-22T09:00:00+00:00",
        ["2026-11-23T09:00:00Z", "2026-11-24T09:00:00Z"],
    ),
    (
        "after is exclusive",
        {"calendars": [{"hour": 9}]},
        "2026-11-22T08:59:59.999+00:00",
        ["2026-11-22T09:00:00Z", "2026-11-23T09:00:00Z"],
    ),
    (
        "weekdays by name range",
        {"calendars": [{"dayOfWeek": {"start": "MONDAY", "end": "FRIDAY"}, "hour": 9}]},
        "2026-11-20T10:00:00+00:00",
        ["2026-11-23T09:00:00Z", "2026-11-24T09:00:00Z"],
    ),
    (
        "weekday names by prefix",
        {"calendars": [{"dayOfWeek": "sa,su", "hour": 0}]},
        "2026-11-20T10:00:00+00:00",
        ["2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-28T00:00:00Z"],
    ),
    (
        "dayOfWeek 7 is Sunday",
        {"calendars": [{"dayOfWeek": 7}]},
        "2026-11-20T00:00:00+00:00",
        ["2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"],
    ),
    (
        "x/y runs to the maximum",
        {"calendars": [{"hour": "20/2", "minute": "50/5"}]},
        "2026-11-22T00:00:00+00:00",
        [
            "2026-11-22T20:50:00Z",
            "2026-11-22T20:55:00Z",
            "2026-11-22T22:50:00Z",
            "2026-11-22T22:55:00Z",
            "2026-11-23T20:50:00Z",
        ],
    ),
    (
        "x-z/y with list",
        {"calendars": [{"hour": 0, "minute": "1-5/2,58"}]},
        "2026-11-22T00:00:00+00:00",
        [
            "2026-11-22T00:01:00Z",
            "2026-11-22T00:03:00Z",
            "2026-11-22T00:05:00Z",
            "2026-11-22T00:58:00Z",
        ],
    ),
    (
        "range object with step",
        {
            "calendars": [
                {"second": {"start": 0, "end": 59, "step": 20}, "minute": "*", "hour": "*"}
            ]
        },
        "2026-11-22T00:00:00+00:00",
        ["2026-11-22T00:00:20Z", "2026-11-22T00:00:40Z", "2026-11-22T00:01:00Z"],
    ),
    (
        "Feb 29 only in leap years",
        {"calendars": [{"month": "FEB", "dayOfMonth": 29}]},
        "2026-01-01T00:00:00+00:00",
        ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"],
    ),
    (
        "day 31 skips short months",
        {"calendars": [{"dayOfMonth": 31, "hour": 12}]},
        "2026-03-31T13:00:00+00:00",
        ["2026-05-31T12:00:00Z", "2026-07-31T12:00:00Z", "2026-08-31T12:00:00Z"],
    ),
    (
        "dayOfMonth AND dayOfWeek: Friday 13th",
        {"calendars": [{"dayOfMonth": 13, "dayOfWeek": "FRI"}]},
        "2026-01-01T00:00:00+00:00",
        ["2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z", "2026-11-13T00:00:00Z"],
    ),
    (
        "year list",
        {"calendars": [{"year": [2030, 2032], "month": 1, "dayOfMonth": 1}]},
        "2026-01-01T00:00:00+00:00",
        ["2030-01-01T00:00:00Z", "2032-01-01T00:00:00Z"],
    ),
    (
        "nothing after 2100",
        {"calendars": [{"month": 12, "dayOfMonth": 31, "hour": 23}]},
        "2099-12-31T23:00:00+00:00",
        ["2100-12-31T23:00:00Z"],
    ),
    (
        "impossible date never fires",
        {"calendars": [{"month": 2, "dayOfMonth": 30}]},
        "2026-01-01T00:00:00+00:00",
        [],
    ),
    # Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00
    (
        "Berlin spring gap does not fire",
        {"timeZone": "Europe/Berlin", "calendars": [{"hour": 2, "minute": 30}]},
        "2026-03-28T00:00:00+00:00",
        ["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"],
    ),
    (
        "Berlin fall repeat fires twice",
        {"timeZone": "Europe/Berlin", "calendars": [{"hour": 2, "minute": 30}]},
        "2026-10-24T12:00:00+00:00",
        ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"],
    ),
    (
        "Berlin every 30 min across fall back",
        {"timeZone": "Europe/Berlin", "calendars": [{"hour": "2", "minute": "0,30"}]},
        "2026-10-24T23:00:00+00:00",
        [
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:00:00Z",
            "2026-10-25T01:30:00Z",
        ],
    ),
    # America/New_York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00
    (
        "New York spring gap",
        {"timeZone": "America/New_York", "calendars": [{"hour": "1-3", "minute": 30}]},
        "2026-03-08T05:00:00+00:00",
        ["2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T05:30:00Z"],
    ),
    (
        "New York fall repeat",
        {"timeZone": "America/New_York", "calendars": [{"hour": "1", "minute": "15,45"}]},
        "2026-11-01T04:00:00+00:00",
        [
            "2026-11-01T05:15:00Z",
            "2026-11-01T05:45:00Z",
            "2026-11-01T06:15:00Z",
            "2026-11-01T06:45:00Z",
        ],
    ),
    (
        "half-hour zone",
        {"timeZone": "Asia/Kolkata", "calendars": [{"hour": 9}]},
        "2026-11-22T00:00:00+00:00",
        ["2026-11-22T03:30:00Z", "2026-11-23T03:30:00Z"],
    ),
]


@pytest.mark.parametrize(("case", "spec", "after", "expected"), CASES, ids=[c[0] for c in CASES])
def test_calendar_fire_times(case: str, spec: dict, after: str, expected: list[str]) -> None:
    assert next_times(compiled(**spec), after, len(expected) + 1)[: len(expected) or 1] == (
        expected or []
    )


def test_union_of_sources_dedupes_shared_ticks() -> None:
    schedule = compiled(intervals=[{"every": "1h"}], calendars=[{"hour": "*", "minute": "0,30"}])
    start = ms("2026-11-22T00:00:00+00:00")
    ticks = schedule.ticks_after(start, 3)
    assert [(t.time_ms - start, t.sources) for t in ticks] == [
        (1_800_000, (1,)),
        (3_600_000, (0, 1)),
        (5_400_000, (1,)),
    ]
