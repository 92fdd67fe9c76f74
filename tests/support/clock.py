"""A clock the test moves: what the runtime's injected ``clock`` reads (epoch milliseconds)."""

from __future__ import annotations

START = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MINUTE = 60_000


class FakeClock:
    def __init__(self, now: int = START) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now
