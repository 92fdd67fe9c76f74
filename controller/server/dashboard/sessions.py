"""Dashboard sessions: what a sign-in gives in place of the API key, and how often one may try.

A session is a random ID (never derived from the key) that this controller holds with its
expiry: signing out forgets it, so a copied cookie is worthless after logout, after
``SESSION_TTL_S``, and after a restart (sessions live in memory; signing in again is the cost).
Failed sign-ins are counted per client address over a sliding window; past ``MAX_FAILURES``,
further tries are refused until the window has passed, whatever key they bring.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable

SESSION_TTL_S = 12 * 3600.0
MAX_FAILURES = 10
FAILURE_WINDOW_S = 60.0
MAX_SESSIONS = 10_000
"""Sessions held at once; the oldest goes first (a sign-in flood cannot grow memory)."""


class DashboardSessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._expiry: dict[str, float] = {}
        self._failures: dict[str, deque[float]] = {}

    def create(self) -> str:
        session = secrets.token_urlsafe(32)
        self._expiry[session] = self.clock() + SESSION_TTL_S
        while len(self._expiry) > MAX_SESSIONS:
            del self._expiry[next(iter(self._expiry))]
        return session

    def valid(self, session: str) -> bool:
        expiry = self._expiry.get(session)
        if expiry is None:
            return False
        if expiry <= self.clock():
            del self._expiry[session]
            return False
        return True

    def revoke(self, session: str) -> None:
        self._expiry.pop(session, None)

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try to sign in again (0: now)."""
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= self.clock() - FAILURE_WINDOW_S:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        if len(failures) < MAX_FAILURES:
            return 0.0
        return failures[0] + FAILURE_WINDOW_S - self.clock()

    def failed(self, client: str) -> None:
        self._failures.setdefault(client, deque()).append(self.clock())
