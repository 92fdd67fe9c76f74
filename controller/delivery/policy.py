"""When to try a failed delivery again, and when to give up. Pure: time and randomness come in.

Exponential backoff with "equal jitter": the n-th retry waits between half and all of
``initial * 2**(n-1)`` (capped), so that deliveries failing together spread out instead of
hammering a recovering receiver in lock-step, while still waiting at least half the nominal
delay. A ``Retry-After`` from the receiver is a floor. Past the horizon (counted from when the
result was produced, not from the first failure) the delivery is given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    initial_delay_ms: int = 1_000
    max_delay_ms: int = 5 * 60_000
    horizon_ms: int = 24 * 3_600_000
    """How long after it was planned a delivery is still attempted."""


def next_attempt_at(
    policy: RetryPolicy,
    *,
    attempts: int,
    created_at: int,
    now: int,
    retry_after_ms: int | None,
    rand: float,
) -> int | None:
    """When to make attempt ``attempts + 1`` after ``attempts`` failures; None: give up.

    ``rand`` is uniform in [0, 1).
    """
    nominal = min(policy.max_delay_ms, policy.initial_delay_ms * 2 ** max(0, attempts - 1))
    delay = nominal // 2 + int(rand * (nominal - nominal // 2))
    if retry_after_ms is not None:
        delay = max(delay, retry_after_ms)
    due = now + delay
    return None if due > created_at + policy.horizon_ms else due


def parse_retry_after(value: str | None, now: int) -> int | None:
    """``Retry-After`` as milliseconds from ``now``: delta-seconds or an HTTP date (RFC 9110).
    Unparseable values are ignored (None), as the RFC allows."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value) * 1000
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int(moment.timestamp() * 1000) - now)
