"""Jobs created through the REST API (not by a file), kept as the documents they were given.

The document is what the client sent, secrets included: a Job created through the API has no
other home, and its sink must keep working after a restart. (Job files are never copied here.)
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


class SqliteApiJobs:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def all(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute("SELECT job_id, document FROM api_jobs ORDER BY job_id")
        return {row[0]: json.loads(row[1]) for row in rows}

    def put(self, job_id: str, document: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO api_jobs (job_id, document) VALUES (?, ?)",
            (job_id, json.dumps(document)),
        )

    def delete(self, job_id: str) -> None:
        self._db.execute("DELETE FROM api_jobs WHERE job_id = ?", (job_id,))
