"""The delivery queue: planned deliveries, their retry state and what became of them.

Rows are inserted by ``SqlStore.save`` in the pass that planned them and change here, one
small transaction per outcome. A delivery that was being sent when the process died is still
``pending`` on restart and is sent again: delivery is at-least-once, and receivers deduplicate
by the stable ID.

States: ``pending`` (due at ``due_at``), ``held`` (the target refuses it until its settings are
fixed; released by a resume, a changed definition or a restart), and the final ``delivered``,
``failed`` (given up by policy), ``gone`` (the receiver answered 410) and ``dropped`` (nothing to
deliver to any more: the sink or notification was removed from the Job).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from ..engine import Delivery
from .base import QueuedDelivery
from .database import Database, Row, replace_into

FINAL_STATES = ("delivered", "failed", "gone", "dropped")


def _queued(row: Row) -> QueuedDelivery:
    delivery = Delivery(
        id=row["id"],
        kind=row["kind"],
        job_id=row["job_id"],
        job_run_id=row["job_run_id"],
        created_at=row["created_at"],
        body=row["body"],
        target=row["target"],
        run_id=row["run_id"],
    )
    return QueuedDelivery(delivery, row["state"], row["due_at"], row["attempts"], row["last_error"])


class SqlDeliveryQueue:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        cursor = self._db.execute(sql, params)  # autocommit: one statement, one transaction
        return cursor.rowcount

    # ------------------------------------------------------------------ reading
    def due(self, now: int, limit: int) -> list[QueuedDelivery]:
        rows = self._db.execute(
            "SELECT * FROM deliveries WHERE state = 'pending' AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?",
            (now, limit),
        )
        return [_queued(r) for r in rows]

    def next_due_after(self, now: int) -> int | None:
        row = self._db.execute(
            "SELECT MIN(due_at) FROM deliveries WHERE state = 'pending' AND due_at > ?", (now,)
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def outstanding(self, job_run_ids: Collection[str] | None = None) -> int:
        """Deliveries still to be attempted (held ones wait for a person, so they don't count),
        of these JobRuns only when given."""
        query = "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'"
        ids = list(job_run_ids or ())
        if job_run_ids is not None:
            query += f" AND job_run_id IN ({', '.join('?' * len(ids)) or 'NULL'})"
        return int(self._db.execute(query, ids).fetchone()[0])

    def oldest_outstanding(self) -> int | None:
        """When the oldest delivery still to be attempted was planned (epoch ms)."""
        row = self._db.execute(
            "SELECT MIN(created_at) FROM deliveries WHERE state = 'pending'"
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def get(self, delivery_id: str) -> QueuedDelivery | None:
        row = self._db.execute("SELECT * FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return None if row is None else _queued(row)

    def for_job_run(self, job_run_id: str) -> list[QueuedDelivery]:
        rows = self._db.execute(
            "SELECT * FROM deliveries WHERE job_run_id = ? ORDER BY created_at, id", (job_run_id,)
        )
        return [_queued(r) for r in rows]

    def results_pending(self, job_run_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM deliveries WHERE job_run_id = ? AND kind = 'results' "
            "AND state IN ('pending', 'held')",
            (job_run_id,),
        ).fetchone()
        return row is not None

    # ------------------------------------------------------------------ outcomes
    def finish(self, delivery_id: str, state: str, attempts: int, error: str | None) -> None:
        """A final state; a delivered body is no longer needed and is dropped to save space."""
        assert state in FINAL_STATES, state
        body = "" if state == "delivered" else None
        self._write(
            "UPDATE deliveries SET state = ?, attempts = ?, last_error = ?, "
            "body = COALESCE(?, body) WHERE id = ?",
            (state, attempts, error, body, delivery_id),
        )

    def retry(self, delivery_id: str, attempts: int, due_at: int, error: str | None) -> None:
        self._write(
            "UPDATE deliveries SET attempts = ?, due_at = ?, last_error = ? WHERE id = ?",
            (attempts, due_at, error, delivery_id),
        )

    def due_now(self, job_id: str, kind: str, target: int, now: int) -> int:
        """Deliveries to one target waiting out their backoff are due now (it answers again)."""
        return self._write(
            "UPDATE deliveries SET due_at = ? WHERE job_id = ? AND kind = ? AND target = ? "
            "AND state = 'pending' AND due_at > ?",
            (now, job_id, kind, target, now),
        )

    def hold_job(self, job_id: str, kind: str, error: str) -> int:
        """Every pending delivery of this kind for the Job waits until released."""
        return self._write(
            "UPDATE deliveries SET state = 'held', last_error = ? "
            "WHERE job_id = ? AND kind = ? AND state = 'pending'",
            (error, job_id, kind),
        )

    def release_job(self, job_id: str, now: int) -> int:
        return self._write(
            "UPDATE deliveries SET state = 'pending', due_at = ? "
            "WHERE job_id = ? AND state = 'held'",
            (now, job_id),
        )

    def release_all(self, now: int) -> int:
        return self._write(
            "UPDATE deliveries SET state = 'pending', due_at = ? WHERE state = 'held'", (now,)
        )

    # ------------------------------------------------------------- gone targets
    def gone_fingerprint(self, job_id: str, url_hash: str) -> str | None:
        row = self._db.execute(
            "SELECT fingerprint FROM gone_targets WHERE job_id = ? AND url_hash = ?",
            (job_id, url_hash),
        ).fetchone()
        return None if row is None else str(row[0])

    def mark_gone(self, job_id: str, url_hash: str, fingerprint: str) -> None:
        self._write(
            replace_into(
                "gone_targets", ("job_id", "url_hash"), ("job_id", "url_hash", "fingerprint")
            ),
            (job_id, url_hash, fingerprint),
        )

    def clear_gone(self, job_id: str, url_hash: str) -> None:
        self._write(
            "DELETE FROM gone_targets WHERE job_id = ? AND url_hash = ?", (job_id, url_hash)
        )

    # ----------------------------------------------------------- results objects
    def put_results_object(self, job_run_id: str, described: dict[str, Any]) -> None:
        self._write(
            replace_into("results_objects", ("job_run_id",), ("job_run_id", "object")),
            (job_run_id, json.dumps(described)),
        )

    def results_object(self, job_run_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT object FROM results_objects WHERE job_run_id = ?", (job_run_id,)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))
