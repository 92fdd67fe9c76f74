"""Browser storage states of AuthSessions, as the controller keeps them between attempts.

A state is a secret (it holds session cookies): it lives only here and in the memory of the
attempts that use it; it is never part of results, status, events or log lines. ``version``
counts recreations, so an attempt that reports "invalid" for an old version is simply handed the
newer state instead of starting another recreation. ``reset`` (new credentials through the API)
moves to a new version with no state, so the next attempt recreates it; ``expired`` is set when
a check failed and no recreation followed (it failed, or was not allowed) and cleared by ``put``.
"""

from __future__ import annotations

import json
from typing import Any

from ..vocabulary import AuthSessionStatus
from .database import Database, replace_into

_PUT = replace_into(
    "auth_session_states",
    ("session_id",),
    ("session_id", "version", "storage_state", "updated_at", "expired", "checked_at"),
    values=("?", "?", "?", "?", "0", "NULL"),
)
"""A new state replaces the row: not expired, not checked since."""


class SqlAuthStates:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, session_id: str) -> tuple[int, dict[str, Any] | None]:
        row = self._db.execute(
            "SELECT version, storage_state FROM auth_session_states WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            return 0, None
        return int(row[0]), json.loads(row[1])

    def put(self, session_id: str, version: int, state: dict[str, Any] | None, now: int) -> None:
        self._db.execute(_PUT, (session_id, version, json.dumps(state), now))

    def reset(self, session_id: str, now: int) -> None:
        version, _state = self.get(session_id)
        self.put(session_id, version + 1, None, now)

    def checked(self, session_id: str, now: int) -> None:
        """A worker checked the session (valid or not): when, for people to see."""
        self._db.execute(
            "UPDATE auth_session_states SET checked_at = ? WHERE session_id = ?", (now, session_id)
        )

    def expire(self, session_id: str) -> None:
        self._db.execute(
            "UPDATE auth_session_states SET expired = 1 WHERE session_id = ?", (session_id,)
        )

    def forget(self, session_id: str) -> None:
        self._db.execute("DELETE FROM auth_session_states WHERE session_id = ?", (session_id,))

    def status(self, session_id: str) -> AuthSessionStatus:
        row = self._db.execute(
            "SELECT storage_state, expired FROM auth_session_states WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        if row is not None and row[1]:
            return "EXPIRED"
        return "PENDING" if row is None or json.loads(row[0]) is None else "READY"

    def summary(self, session_id: str) -> dict[str, Any]:
        """What people may see of a session (never its state): status, version (recreations
        so far), when it was last recreated (or reset) and last checked."""
        row = self._db.execute(
            "SELECT version, updated_at, checked_at FROM auth_session_states WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        version, updated_at, checked_at = (0, None, None) if row is None else tuple(row)
        return {
            "status": self.status(session_id),
            "version": int(version),
            "updated_at": updated_at,
            "checked_at": checked_at,
        }
