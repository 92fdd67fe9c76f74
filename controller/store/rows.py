"""How the engine's records map to the store's rows: the columns of each table, the statements
a pass writes with, and records made from rows and rows from records (the hot path of every
pass: kept lean, measured in microseconds a Run)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import jsontext
from ..engine import Job, Run
from .database import Row, replace_into
from .run_queries import RESULT_PREVIEW_CHARS, UNSUCCEEDED
from .uploaded_results import UPLOADED

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
RUN_INSERT = replace_into("runs", ("id",), RUN_COLUMNS)
NEW_RUN_INSERT = replace_into(
    "runs",
    ("id",),
    (*RUN_FIXED, "status", "attempts", "launches"),
    values=(*("?" * len(RUN_FIXED)), "'PENDING'", "0", "0"),
    replaced=RUN_COLUMNS[1:],
)
"""A spilled Run, saved as it was made: ``Run``'s defaults (the rest are NULL), not bound."""
RUN_UPDATE = f"UPDATE runs SET {', '.join(f'{c} = ?' for c in RUN_MUTABLE)} WHERE id = ?"
RUN_UPDATED = (*RUN_MUTABLE, "id")
JOB_RUN_INSERT = replace_into("job_runs", ("id",), JOB_RUN_COLUMNS)
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
SELECT_RUNS = f"SELECT {', '.join(RUN_COLUMNS)}, {UPLOADED} AS uploaded FROM runs"
"""Runs' columns in ``Run``'s order, then the uploaded result, if any (``runs_from``)."""
_RUN_JSON = tuple(i for i, c in enumerate(RUN_COLUMNS) if c in JSON_COLUMNS)
IN_STATUS = f"job_run_id = ? AND status = ? AND {UNSUCCEEDED}"
"""A JobRun's Runs in one status other than SUCCEEDED, read by the partial index."""


def json_text(value: Any) -> str | None:
    """A JSON column's value; of an uploaded result, its start (``uploaded_results``)."""
    if value is None:
        return None
    if isinstance(value, jsontext.RawJson):
        return value.head(RESULT_PREVIEW_CHARS + 1)
    return jsontext.dumps(value)


_RESULT = RUN_COLUMNS.index("result")


def runs_from(rows: Iterable[Iterable[Any]]) -> list[Run]:
    """Runs from ``SELECT_RUNS`` rows (a window of pending Runs per load: kept lean)."""
    return list(iter_runs(rows))


def iter_runs(rows: Iterable[Iterable[Any]]) -> Iterator[Run]:
    """Runs from ``SELECT_RUNS`` rows, made as they are taken. The columns are ``Run``'s first
    fields, in its order (a unit test holds them so), then the uploaded result, which stays
    its text (the ``result`` column holds only its start)."""
    for row in rows:
        *values, uploaded = row
        if uploaded is not None:
            values[_RESULT] = jsontext.RawJson(bytes(uploaded))
        for index in _RUN_JSON:
            if isinstance(values[index], str):
                values[index] = jsontext.loads(values[index])
        yield Run(*values)


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


def loaded_row(row: Row, columns: Iterable[str]) -> dict[str, Any]:
    values = {c: row[c] for c in columns}
    for c in JSON_COLUMNS.intersection(columns):
        if values[c] is not None:
            values[c] = jsontext.loads(values[c])
    return values
