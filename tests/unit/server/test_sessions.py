"""Dashboard sessions: revocable, expiring, bounded; sign-in failures throttled per client."""

from __future__ import annotations

from controller.server.dashboard import sessions as sessions_module
from controller.server.dashboard.sessions import DashboardSessions


def test_sessions_end_when_revoked_or_expired() -> None:
    now = [0.0]
    sessions = DashboardSessions(clock=lambda: now[0])
    first, second = sessions.create(), sessions.create()
    assert sessions.valid(first) and first != second
    sessions.revoke(first)
    assert not sessions.valid(first) and not sessions.valid("made-up")
    now[0] += sessions_module.SESSION_TTL_S + 1
    assert not sessions.valid(second)


def test_failures_past_the_limit_wait_out_the_window_per_client() -> None:
    now = [0.0]
    sessions = DashboardSessions(clock=lambda: now[0])
    for _ in range(sessions_module.MAX_FAILURES):
        assert sessions.retry_after("10.0.0.1") == 0
        sessions.failed("10.0.0.1")
    assert sessions.retry_after("10.0.0.1") == sessions_module.FAILURE_WINDOW_S
    assert sessions.retry_after("10.0.0.2") == 0  # another client is not held back
    now[0] += sessions_module.FAILURE_WINDOW_S
    assert sessions.retry_after("10.0.0.1") == 0
