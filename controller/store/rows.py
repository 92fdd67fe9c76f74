"""How the engine's records map to the store's rows: the columns of each table, the statements
a pass writes with, and records made from rows and rows from records (the hot path of every
pass: kept lean, measured in microseconds a Run)."""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from .. import jsontext
from ..engine import Job, Run
from .run_queries import UNSUCCEEDED, WHOLE_RESULT
from .uploaded_results import result_mark

JOB_RUN_COLUMNS = (
    "id",
    "job_id",
    "type",
    "status",
    "created_at",
    "scheduled_time",
    "start_time",
    "end_time",
    "updated_at",
    "payloads",
    "successful_runs",
    "failed_runs",
    "reason",
    "error",
    "auth_session",
    "concurrency",
    "request_timeout_ms",
    "results_seq",
    "rerun_of",
)
JSON_COLUMNS = frozenset(
    {"reason", "error", "snapshot", "parameters", "result", "rerun_of", "attributes"}
)
RUN_FIXED = (
    "id",
    "job_run_id",
    "seq",
    "api_name",
    "parameters",
    "max_attempts",
    "extended_from",
    "request_timeout_ms",
)
"""What a Run is given when it is made, never changed."""
RUN_MUTABLE = (
    "status",
    "attempts",
    "launches",
    "result",
    "error",
    "reason",
    "started_at",
    "ended_at",
    "trace_url",
    "log_url",
    "result_seq",
    "attributes",
)
"""What a pass may change in a Run."""
RUN_COLUMNS = RUN_FIXED + RUN_MUTABLE
RUN_INSERT = (
    f"INSERT OR REPLACE INTO runs ({', '.join(RUN_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(RUN_COLUMNS))})"
)
NEW_RUN_INSERT = (
    f"INSERT OR REPLACE INTO runs ({', '.join(RUN_FIXED)}, status, attempts, launches) "
    f"VALUES ({', '.join('?' * len(RUN_FIXED))}, 'PENDING', 0, 0)"
)
"""A spilled Run, saved as it was made: ``Run``'s defaults (the rest are NULL), not bound."""
RUN_UPDATE = f"UPDATE runs SET {', '.join(f'{c} = ?' for c in RUN_MUTABLE)} WHERE id = ?"
RUN_UPDATED = (*RUN_MUTABLE, "id")
JOB_RUN_INSERT = (
    f"INSERT OR REPLACE INTO job_runs ({', '.join(JOB_RUN_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(JOB_RUN_COLUMNS))})"
)
JOB_RUN_MUTABLE = tuple(
    c
    for c in JOB_RUN_COLUMNS
    if c
    not in (
        "id",
        "job_id",
        "type",
        "created_at",
        "scheduled_time",
        "concurrency",
        "request_timeout_ms",
        "auth_session",
        "rerun_of",
    )
)
JOB_RUN_UPDATE = (
    f"UPDATE job_runs SET {', '.join(f'{c} = ?' for c in JOB_RUN_MUTABLE)} WHERE id = ?"
)
"""Only what changes. The snapshot, which holds the whole payload, has a table of its own and
is written once: SQLite rewrites a whole row on any update, overflow pages included."""


ATTEMPT_COLUMNS = (
    "attempt_id",
    "job_run_id",
    "run_id",
    "number",
    "started_at",
    "ended_at",
    "outcome",
    "error",
    "trace_url",
    "log_url",
)
PRUNED_ROWS = (
    ("results_objects", "job_run_id"),
    ("uploaded_results", "job_run_id"),
    ("runs", "job_run_id"),
    ("job_run_snapshots", "job_run_id"),
    ("job_runs", "id"),
)
SELECT_JOB_RUNS = (
    "SELECT job_runs.*, snapshot FROM job_runs "
    "JOIN job_run_snapshots ON job_run_snapshots.job_run_id = job_runs.id"
)


# ``sqlite3`` looks for an adapter for every parameter not of an exact type it knows, None
# included, and fails with an exception made at some cost (a quarter of a microsecond a None; a
# Run's row has a dozen): this one is found. Process-wide, and changes no value.
sqlite3.register_adapter(type(None), lambda value: value)
_SELECTED = (f"{WHOLE_RESULT} AS result" if c == "result" else c for c in RUN_COLUMNS)
SELECT_RUNS = f"SELECT {', '.join(_SELECTED)} FROM runs"
_RUN_JSON = tuple(i for i, c in enumerate(RUN_COLUMNS) if c in JSON_COLUMNS)
IN_STATUS = f"job_run_id = ? AND status = ? AND {UNSUCCEEDED}"
"""A JobRun's Runs in one status other than SUCCEEDED, read by the partial index."""


def json_text(value: Any) -> str | bytes | None:
    """A JSON column's value; of an uploaded result, its mark (``uploaded_results``)."""
    if value is None:
        return None
    return result_mark(value) if isinstance(value, jsontext.RawJson) else jsontext.dumps(value)


def runs_from(rows: Iterable[Iterable[Any]]) -> list[Run]:
    """Runs from ``SELECT_RUNS`` rows (a window of pending Runs per load: kept lean). The
    columns are ``Run``'s first fields, in its order (a unit test holds them so)."""
    runs = []
    for row in rows:
        values = list(row)
        for index in _RUN_JSON:
            if values[index] is not None:
                values[index] = jsontext.from_column(values[index])
        runs.append(Run(*values))
    return runs


def as_row(obj: Any, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """``obj``'s ``columns`` as a row, JSON columns dumped (the hot path of every pass: one
    C-level getter per column set, not a getattr per column)."""
    getter, json_indexes = _row_plan(columns)
    values = getter(obj)
    if len(columns) == 1:
        values = (values,)
    if not json_indexes:
        return tuple(values)
    row = list(values)
    for index in json_indexes:
        row[index] = json_text(row[index])
    return tuple(row)


@functools.cache
def _row_plan(columns: tuple[str, ...]) -> tuple[Callable[[Any], Any], tuple[int, ...]]:
    json_indexes = tuple(i for i, c in enumerate(columns) if c in JSON_COLUMNS)
    return operator.attrgetter(*columns), json_indexes


def job_row(job: Job) -> tuple[Any, ...]:
    backfill = json_text(list(job.backfill)) if job.backfill else None
    return (job.job_id, job.first_seen, job.last_tick, int(job.paused), job.pause_note, backfill)


def loaded_row(row: sqlite3.Row, columns: Iterable[str]) -> dict[str, Any]:
    values = {c: row[c] for c in columns}
    for c in JSON_COLUMNS.intersection(columns):
        if values[c] is not None:
            values[c] = jsontext.from_column(values[c])
    return values
