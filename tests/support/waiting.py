"""Patience for tests and the chaos suite: poll a condition until it holds or time runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class WaitTimeout(AssertionError):
    """What never came, and how long it was awaited (a failed test says so)."""


def wait_for(
    condition: Callable[[], Any], timeout: float = 120, what: str = "", step: float = 0.5
) -> Any:
    """The condition's first truthy value, polled every ``step`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(step)
