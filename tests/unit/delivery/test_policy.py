"""Retry timing: exponential backoff with equal jitter, Retry-After as a floor, a horizon."""

from __future__ import annotations

import pytest

from controller.delivery import RetryPolicy, next_attempt_at, parse_retry_after

POLICY = RetryPolicy(initial_delay_ms=1_000, max_delay_ms=60_000, horizon_ms=3_600_000)
NOW = 1_700_000_000_000


@pytest.mark.parametrize(
    ("attempts", "rand", "retry_after", "delay"),
    [
        (1, 0.0, None, 500),  # half the nominal 1 s at the low end of the jitter
        (1, 0.999_999, None, 999),
        (2, 0.0, None, 1_000),
        (3, 0.5, None, 3_000),  # nominal 4 s: 2 s + 0.5 * 2 s
        (7, 0.0, None, 30_000),  # nominal 64 s capped to 60 s
        (30, 0.0, None, 30_000),  # no overflow, still capped
        (1, 0.0, 20_000, 20_000),  # Retry-After is a floor ...
        (7, 0.999_999, 1_000, 59_999),  # ... never a ceiling
    ],
)
def test_backoff_delays(attempts: int, rand: float, retry_after: int | None, delay: int) -> None:
    due = next_attempt_at(
        POLICY, attempts=attempts, created_at=NOW, now=NOW, retry_after_ms=retry_after, rand=rand
    )
    assert due == NOW + delay


def test_a_delivery_is_given_up_once_the_next_attempt_would_pass_the_horizon() -> None:
    created = NOW - POLICY.horizon_ms + 10_000
    kept = next_attempt_at(
        POLICY, attempts=1, created_at=created, now=NOW, retry_after_ms=None, rand=0.0
    )
    assert kept == NOW + 500
    given_up = next_attempt_at(
        POLICY, attempts=1, created_at=created, now=NOW, retry_after_ms=20_000, rand=0.0
    )
    assert given_up is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7_000),
        (" 0 ", 0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30_000),  # NOW is 22:13:20 UTC
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0),  # in the past: go now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_forms(header: str | None, expected: int | None) -> None:
    assert parse_retry_after(header, NOW) == expected
