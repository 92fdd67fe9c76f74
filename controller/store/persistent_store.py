"""The project's persistent store (Intuned's ``persistent_store``): JSON values by key, kept
across attempts, JobRuns and restarts, shared by every attempt of the project. A ``set`` is one
statement, committed when it returns: an attempt that goes on after ``await set(...)`` can rely
on it."""

from __future__ import annotations

import sqlite3
from typing import Any

from .. import jsontext


class SqlitePersistentStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, key: str) -> Any:
        row = self._db.execute(
            "SELECT value FROM persistent_store WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else jsontext.loads(row[0])

    def set(self, key: str, value: Any, now: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO persistent_store (key, value, updated_at) VALUES (?, ?, ?)",
            (key, jsontext.dumps(value), now),
        )
