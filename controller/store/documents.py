"""Definitions kept as the documents they were given, by ID, one table each:

- ``api_jobs``: Jobs created through the REST API (not by a file);
- ``api_auth_sessions``: AuthSessions created through the REST API (their credentials);
- ``direct_jobs``: the one-off Jobs behind direct Runs and AuthSession operations, while their
  JobRun is active (``SqlStore.save`` deletes one in the pass that deletes its Job).

A document is what the client sent, secrets included: such a definition has no other home, and
its sink or credentials must keep working after a restart. (Files are never copied here.)
"""

from __future__ import annotations

import json
from typing import Any, Literal

from .database import Database, replace_into

DocumentTable = Literal["api_jobs", "api_auth_sessions", "direct_jobs"]


class SqlDocuments:
    def __init__(self, db: Database, table: DocumentTable) -> None:
        self._db = db
        self._table = table

    def all(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute(f"SELECT id, document FROM {self._table} ORDER BY id")
        return {row[0]: json.loads(row[1]) for row in rows}

    def put(self, key: str, document: dict[str, Any]) -> None:
        self._db.execute(
            replace_into(self._table, ("id",), ("id", "document")),
            (key, json.dumps(document)),
        )

    def delete(self, key: str) -> None:
        self._db.execute(f"DELETE FROM {self._table} WHERE id = ?", (key,))
