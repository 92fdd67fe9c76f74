"""The project's persistent store (Intuned's ``persistent_store``): JSON values by key, kept
across attempts, JobRuns and restarts, shared by every attempt of the project. A ``set`` is one
statement, committed when it returns: an attempt that goes on after ``await set(...)`` can rely
on it."""

from __future__ import annotations

from typing import Any

from .. import jsontext
from .database import Database, replace_into


class SqlPersistentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> Any:
        row = self._db.execute(
            "SELECT value FROM persistent_store WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else jsontext.loads(row[0])

    def set(self, key: str, value: Any, now: int) -> None:
        self._db.execute(
            replace_into("persistent_store", ("key",), ("key", "value", "updated_at")),
            (key, jsontext.dumps(value), now),
        )
