"""Browser storage states of AuthSessions, as the controller keeps them between attempts.

A state is a secret (it holds session cookies): it lives only here and in the memory of the
attempts that use it; it is never part of results, status, events or log lines. ``version``
counts recreations, so an attempt that reports "invalid" for an old version is simply handed the
newer state instead of starting another recreation.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


class SqliteAuthStates:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, session_id: str) -> tuple[int, dict[str, Any] | None]:
        row = self._db.execute(
            "SELECT version, storage_state FROM auth_session_states WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            return 0, None
        return int(row[0]), json.loads(row[1])

    def put(self, session_id: str, version: int, state: dict[str, Any], now: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO auth_session_states (session_id, version, storage_state, "
            "updated_at) VALUES (?, ?, ?, ?)",
            (session_id, version, json.dumps(state), now),
        )
