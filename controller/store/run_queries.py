"""A JobRun's Runs and a Run's attempts, read from the store a page at a time.

Pages are keyset-paginated by the Run's position in its JobRun (``seq``: payload order, then
extensions in the order they came), so a page is as fast deep in a million Runs as at the start
and stays stable while the JobRun runs (a Run never moves). Filters use the indexes
``runs_by_status`` (JobRun, status, seq) and ``runs_by_job_run`` (JobRun, seq). Results are read
as a preview in lists (``RESULT_PREVIEW_CHARS``), whole for one Run.

``runs_by_status`` leaves SUCCEEDED Runs out (``UNSUCCEEDED``): most Runs end so, and each
entry is a write in the pass that ends a Run. SUCCEEDED pages read ``runs_by_job_run``, where
they are most of the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import jsontext
from ..engine import attempt_id
from .database import Database, Row
from .uploaded_results import UPLOADED

RESULT_PREVIEW_CHARS = 200
IN_CHUNK = 500
"""Run IDs per ``IN (...)`` list (SQLite bounds the parameters of one statement)."""
_RUN_FIELDS = (
    "id, seq, api_name, parameters, status, attempts, launches, error, reason, started_at, "
    "ended_at, extended_from, trace_url, log_url, attributes"
)
_JSON_FIELDS = ("parameters", "error", "reason", "result", "attributes")
UNSUCCEEDED = "status != 'SUCCEEDED'"
IMPLIED_ATTEMPT = "status = 'SUCCEEDED' AND launches = 1"
"""A Run whose row is its only attempt's record (``implied_by_run``)."""
"""The partial index's own condition: SQLite uses the index only for a query that states it."""


@dataclass(frozen=True)
class RunFilter:
    status: str | None = None
    api: str | None = None
    error_code: str | None = None
    search: str | None = None
    """Text the Run's parameters (as JSON) contain; scans the JobRun's Runs in order until the
    page is full, so a rare match deep in a large JobRun costs a scan, never memory."""


def _decoded(row: Row) -> dict[str, Any]:
    """A row as a record, its JSON columns read; an uploaded result (the ``uploaded`` column,
    where ``result`` holds only its start) stays its text."""
    record = dict(row)
    uploaded = record.pop("uploaded", None)
    if uploaded is not None:
        record["result"] = jsontext.RawJson(bytes(uploaded))
    for name in _JSON_FIELDS:
        if isinstance(record.get(name), str):
            record[name] = jsontext.loads(record[name])
    return record


class SqlRunQueries:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _matching(self, where: RunFilter) -> tuple[str, list[Any]]:
        """The conditions (after ``job_run_id = ?``) for Runs that match ``where``."""
        sql, params = "", []
        for column, value in (
            ("status", where.status),
            ("api_name", where.api),
            (self._db.dialect.json_field("error", "code"), where.error_code),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if where.status not in (None, "SUCCEEDED"):
            sql += f" AND {UNSUCCEEDED}"
        if where.search:
            sql += f" AND {self._db.dialect.contains('parameters')}"
            params.append(where.search)
        return sql, params

    def runs(
        self, job_run_id: str, where: RunFilter, *, after_seq: int, limit: int
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` Runs after position ``after_seq``, in order; ``result_preview`` is
        the start of the result's JSON (longer than ``RESULT_PREVIEW_CHARS``: cut)."""
        matching, params = self._matching(where)
        sql = (
            f"SELECT {_RUN_FIELDS}, substr(result, 1, {RESULT_PREVIEW_CHARS + 1}) "
            f"AS result_preview FROM runs WHERE job_run_id = ? AND seq > ?{matching} "
            "ORDER BY seq LIMIT ?"
        )
        rows = self._db.execute(sql, (job_run_id, after_seq, *params, limit))
        return [_decoded(row) for row in rows]

    def count(self, job_run_id: str, where: RunFilter) -> int:
        """How many of the JobRun's Runs match ``where`` (what a bulk action would act on)."""
        matching, params = self._matching(where)
        sql = f"SELECT count(*) FROM runs WHERE job_run_id = ?{matching}"
        row = self._db.execute(sql, (job_run_id, *params)).fetchone()
        return int(row[0]) if row else 0

    def failures(self, job_run_ids: Sequence[str], limit: int) -> list[dict[str, Any]]:
        """The FAILED Runs of these JobRuns grouped by error code and message: per group its
        count, first and last end, and the Run that ended last (``job_run_id``, ``run_id``);
        the ``limit`` largest groups."""
        code = self._db.dialect.json_field("error", "code")
        message = self._db.dialect.json_field("error", "message")
        found: list[dict[str, Any]] = []
        for job_run_id in job_run_ids:
            rows = self._db.execute(
                f"SELECT {code} AS code, {message} AS message, count(*) AS count, "
                "min(ended_at) AS first_ended_at, max(ended_at) AS last_ended_at "
                f"FROM runs WHERE job_run_id = ? AND status = 'FAILED' AND {UNSUCCEEDED} "
                f"GROUP BY {code}, {message} ORDER BY count(*) DESC LIMIT ?",
                (job_run_id, limit),
            )
            found += [{**dict(row), "job_run_id": job_run_id} for row in rows]
        return found

    def run(self, job_run_id: str, run_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            f"SELECT {_RUN_FIELDS}, result, {UPLOADED} AS uploaded FROM runs "
            "WHERE job_run_id = ? AND id = ?",
            (job_run_id, run_id),
        ).fetchone()
        return None if row is None else _decoded(row)

    def attempts(self, run: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The attempts of ``run`` (a record ``run`` read), the latest last; a Run that
        succeeded at its only launch has its attempt in its own row (``implied_by_run``)."""
        rows = self._db.execute(
            "SELECT id, number, started_at, ended_at, outcome, error, trace_url, log_url "
            "FROM attempts WHERE run_id = ? ORDER BY number, ended_at",
            (run["id"],),
        )
        stored = [_decoded(row) for row in rows]
        if stored or run["status"] != "SUCCEEDED" or run["launches"] != 1:
            return stored
        return [
            {
                "id": attempt_id(run["id"], 1),
                "number": 1,
                "started_at": run["started_at"],
                "ended_at": run["ended_at"],
                "outcome": "succeeded",
                "error": None,
                "trace_url": run["trace_url"],
                "log_url": run["log_url"],
            }
        ]

    def missed_ticks(self, job_id: str, limit: int) -> list[int]:
        """The Job's newest ticks that were missed (not run: the controller was down, the Job
        paused, or outside the catch-up window), newest first."""
        rows = self._db.execute(
            "SELECT tick FROM missed_ticks WHERE job_id = ? ORDER BY tick DESC LIMIT ?",
            (job_id, limit),
        )
        return [int(row[0]) for row in rows]

    def ended_attempts(self, job_run_id: str, limit: int) -> list[tuple[str, int, int, int, str]]:
        """Up to ``limit`` of the JobRun's ended attempts as (Run ID, number, started, ended,
        outcome), in no order (the first ``limit`` found: a caller that gets ``limit`` asks
        for ``attempt_histogram`` instead). A Run that succeeded at its only launch is its own
        attempt (``implied_by_run``)."""
        rows = self._db.execute(
            "SELECT run_id, number, started_at, ended_at, outcome FROM attempts "
            "WHERE job_run_id = ? UNION ALL "
            "SELECT id, 1, started_at, ended_at, 'succeeded' FROM runs "
            f"WHERE job_run_id = ? AND {IMPLIED_ATTEMPT} LIMIT ?",
            (job_run_id, job_run_id, limit),
        )
        return [(r[0], int(r[1]), int(r[2] or r[3]), int(r[3]), str(r[4])) for r in rows]

    def attempt_histogram(
        self, job_run_id: str, start: int, width: int, buckets: int
    ) -> list[tuple[int, str, int]]:
        """The JobRun's ended attempts counted by when they ended, in ``buckets`` slices of
        ``width`` ms from ``start``: (slice, outcome, count); what a timeline of more attempts
        than it can draw shows."""
        rows = self._db.execute(
            "SELECT (ended_at - ?) / ? AS slice, outcome, count(*) FROM attempts "
            "WHERE job_run_id = ? GROUP BY slice, outcome UNION ALL "
            "SELECT (ended_at - ?) / ? AS slice, 'succeeded', count(*) FROM runs "
            f"WHERE job_run_id = ? AND {IMPLIED_ATTEMPT} GROUP BY slice",
            (start, width, job_run_id, start, width, job_run_id),
        )
        counted: dict[tuple[int, str], int] = {}
        for slice_, outcome, count in rows:  # an end outside the range counts at its edge
            key = (min(max(int(slice_), 0), buckets - 1), str(outcome))
            counted[key] = counted.get(key, 0) + int(count)
        return [(slice_, outcome, count) for (slice_, outcome), count in counted.items()]

    def items(
        self, job_run_id: str, chosen: Sequence[str] | RunFilter | None
    ) -> list[dict[str, Any]]:
        """What a rerun needs of Runs (id, api_name, parameters, request_timeout_ms), in
        position order: the JobRun's FAILED Runs (``chosen`` None), these of its Runs, or those
        matching a filter."""
        fields = "id, api_name, parameters, request_timeout_ms FROM runs WHERE job_run_id = ?"
        if chosen is None:
            chosen = RunFilter(status="FAILED")
        if isinstance(chosen, RunFilter):
            matching, params = self._matching(chosen)
            sql = f"SELECT seq, {fields}{matching} ORDER BY seq"
            return [_decoded(r) for r in self._db.execute(sql, (job_run_id, *params))]
        found: list[dict[str, Any]] = []
        for start in range(0, len(chosen), IN_CHUNK):
            chunk = chosen[start : start + IN_CHUNK]
            sql = f"SELECT seq, {fields} AND id IN ({', '.join('?' * len(chunk))})"
            found += [_decoded(r) for r in self._db.execute(sql, (job_run_id, *chunk))]
        return sorted(found, key=lambda record: int(record["seq"]))
