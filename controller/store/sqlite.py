"""The SQLite store: one file, WAL, versioned migrations, one transaction per engine pass.

Durability: with WAL and ``synchronous=NORMAL`` a committed transaction survives the process
being killed at any point (only an OS crash or power loss can drop the last commits). The engine's
``Changes`` for one pass are saved in a single transaction, so state on disk is always the state
after some whole pass, never half of one.

A Run's results line is appended to the JobRun's results file after the pass that ended the Run
is saved; the Run's ``result_seq`` is the line's position, and ``results_written_seq``/
``results_size`` record how much of the file is known good. After a crash the file is cut back
to that size and the lines of the Runs after it are made again from their rows, so each Run has
exactly one line (the line is never stored: it is a pure function of the row).
"""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections.abc import Callable, Iterable
from itertools import chain
from pathlib import Path
from typing import Any

from .. import jsontext
from ..engine import Changes, Job, JobRun, KnownJob, Run, spill
from .auth_states import SqliteAuthStates
from .base import StoredState, Watermark
from .delivery_queue import SqliteDeliveryQueue
from .documents import SqliteDocuments
from .full import transaction
from .migrations import MIGRATIONS
from .run_queries import UNSUCCEEDED, SqliteRunQueries

_JOB_RUN_COLUMNS = (
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
_JSON_COLUMNS = frozenset({"reason", "error", "snapshot", "parameters", "result", "rerun_of"})
_RUN_FIXED = (
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
_RUN_MUTABLE = (
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
)
"""What a pass may change in a Run."""
_RUN_COLUMNS = _RUN_FIXED + _RUN_MUTABLE
_RUN_INSERT = (
    f"INSERT OR REPLACE INTO runs ({', '.join(_RUN_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_RUN_COLUMNS))})"
)
_NEW_RUN_INSERT = (
    f"INSERT OR REPLACE INTO runs ({', '.join(_RUN_FIXED)}, status, attempts, launches) "
    f"VALUES ({', '.join('?' * len(_RUN_FIXED))}, 'PENDING', 0, 0)"
)
"""A spilled Run, saved as it was made: ``Run``'s defaults (the rest are NULL), not bound."""
_RUN_UPDATE = f"UPDATE runs SET {', '.join(f'{c} = ?' for c in _RUN_MUTABLE)} WHERE id = ?"
_RUN_UPDATED = (*_RUN_MUTABLE, "id")
_JOB_RUN_INSERT = (
    f"INSERT OR REPLACE INTO job_runs ({', '.join(_JOB_RUN_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_JOB_RUN_COLUMNS))})"
)
_JOB_RUN_MUTABLE = tuple(
    c
    for c in _JOB_RUN_COLUMNS
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
_JOB_RUN_UPDATE = (
    f"UPDATE job_runs SET {', '.join(f'{c} = ?' for c in _JOB_RUN_MUTABLE)} WHERE id = ?"
)
"""Only what changes. The snapshot, which holds the whole payload, has a table of its own and
is written once: SQLite rewrites a whole row on any update, overflow pages included."""


_ATTEMPT_COLUMNS = (
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
_PRUNED_ROWS = (
    ("results_objects", "job_run_id"),
    ("runs", "job_run_id"),
    ("job_run_snapshots", "job_run_id"),
    ("job_runs", "id"),
)
_SELECT_JOB_RUNS = (
    "SELECT job_runs.*, snapshot FROM job_runs "
    "JOIN job_run_snapshots ON job_run_snapshots.job_run_id = job_runs.id"
)


# ``sqlite3`` looks for an adapter for every parameter not of an exact type it knows, None
# included, and fails with an exception made at some cost (a quarter of a microsecond a None; a
# Run's row has a dozen): this one is found. Process-wide, and changes no value.
sqlite3.register_adapter(type(None), lambda value: value)
_SELECT_RUNS = f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs"
_RUN_JSON = tuple(i for i, c in enumerate(_RUN_COLUMNS) if c in _JSON_COLUMNS)
_IN_STATUS = f"job_run_id = ? AND status = ? AND {UNSUCCEEDED}"
"""A JobRun's Runs in one status other than SUCCEEDED, read by the partial index."""


def _dump(value: Any) -> str | None:
    return None if value is None else jsontext.dumps(value)


def _runs(rows: Iterable[Iterable[Any]]) -> list[Run]:
    """Runs from ``_SELECT_RUNS`` rows (a window of pending Runs per load: kept lean). The
    columns are ``Run``'s first fields, in its order (a unit test holds them so)."""
    runs = []
    for row in rows:
        values = list(row)
        for index in _RUN_JSON:
            if values[index] is not None:
                values[index] = jsontext.loads(values[index])
        runs.append(Run(*values))
    return runs


def _row(obj: Any, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """``obj``'s ``columns`` as a row, JSON columns dumped (the hot path of every pass: one
    C-level getter per column set, not a getattr per column)."""
    getter, dumped = _row_plan(columns)
    values = getter(obj)
    if len(columns) == 1:
        values = (values,)
    if not dumped:
        return tuple(values)
    row = list(values)
    for index in dumped:
        row[index] = _dump(row[index])
    return tuple(row)


@functools.cache
def _row_plan(columns: tuple[str, ...]) -> tuple[Callable[[Any], Any], tuple[int, ...]]:
    dumped = tuple(i for i, c in enumerate(columns) if c in _JSON_COLUMNS)
    return operator.attrgetter(*columns), dumped


def _job_row(job: Job) -> tuple[Any, ...]:
    backfill = _dump(list(job.backfill)) if job.backfill else None
    return (job.job_id, job.first_seen, job.last_tick, int(job.paused), job.pause_note, backfill)


def _load(row: sqlite3.Row, columns: Iterable[str]) -> dict[str, Any]:
    values = {c: row[c] for c in columns}
    for c in _JSON_COLUMNS.intersection(columns):
        if values[c] is not None:
            values[c] = jsontext.loads(values[c])
    return values


class SqliteStore:
    """``Store`` on one SQLite file. Not thread-safe: one controller loop owns it.

    ``deliveries`` is the delivery queue on the same file (its rows are planned by ``save``);
    ``auth_states`` holds AuthSession storage states; ``api_jobs``, ``api_auth_sessions`` and
    ``direct_jobs`` definitions given through the REST API (``documents``); ``run_queries``
    reads Runs and attempts a page at a time.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA wal_autocheckpoint = 10000")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate()
        self.deliveries = SqliteDeliveryQueue(self._db)
        self.auth_states = SqliteAuthStates(self._db)
        self.api_jobs = SqliteDocuments(self._db, "api_jobs")
        self.api_auth_sessions = SqliteDocuments(self._db, "api_auth_sessions")
        self.direct_jobs = SqliteDocuments(self._db, "direct_jobs")
        self.run_queries = SqliteRunQueries(self._db)
        self._marks: dict[str, tuple[int, int]] = {}
        """Results-file watermarks not yet recorded: JobRun -> (last written seq, size)."""

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path} was written by a newer jobctl (schema {version}); upgrade jobctl"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self._db.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, script.split(";")):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {number}")
            self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        if self._marks:
            with transaction(self._db, self.path):
                self._record_marks()
        self._db.close()

    def load(self) -> StoredState:
        jobs = [
            KnownJob(
                r["job_id"],
                r["first_seen"],
                r["last_tick"],
                bool(r["paused"]),
                r["pause_note"],
                tuple(jsontext.loads(r["backfill"] or "[]")),
            )
            for r in self._db.execute("SELECT * FROM jobs")
        ]
        job_runs = []
        for row in self._db.execute(f"{_SELECT_JOB_RUNS} ORDER BY created_at, id"):
            job_run = JobRun(**_load(row, (*_JOB_RUN_COLUMNS, "snapshot")))
            if job_run.active:
                self._load_held_runs(job_run)
            job_runs.append(job_run)
        return StoredState(jobs, job_runs)

    def _load_held_runs(self, job_run: JobRun) -> None:
        """Its running Runs and the first ``PENDING_HELD`` pending ones; the others stay here
        (``spill``): counted, loaded as the JobRun gets to them."""
        running = self._select_runs(_IN_STATUS, (job_run.id, "RUNNING"))
        pending = self.pending_runs(job_run.id, -1, spill.PENDING_HELD)
        for run in running + pending:
            job_run.runs[run.id] = run
        (waiting,) = self._db.execute(
            f"SELECT count(*) FROM runs WHERE {_IN_STATUS}", (job_run.id, "PENDING")
        ).fetchone()
        job_run.spilled = waiting - len(pending)
        job_run.held_through = pending[-1].seq if job_run.spilled else job_run.payloads

    def pending_runs(self, job_run_id: str, after_seq: int, limit: int) -> list[Run]:
        """The JobRun's pending Runs after position ``after_seq``, in order, at most ``limit``."""
        return self._select_runs(
            f"{_IN_STATUS} AND seq > ? ORDER BY seq LIMIT ?",
            (job_run_id, "PENDING", after_seq, limit),
        )

    def _select_runs(self, where: str, parameters: tuple[Any, ...]) -> list[Run]:
        cursor = self._db.cursor()
        cursor.row_factory = None  # plain tuples, as ``_runs`` takes them
        return _runs(cursor.execute(f"{_SELECT_RUNS} WHERE {where}", parameters))

    def save(self, changes: Changes) -> None:
        """Everything one engine pass changed, in one transaction (with the watermarks of
        the results files written since the last one)."""
        if not changes and not self._marks:
            return
        db = self._db
        with transaction(db, self.path):
            self._record_marks()
            db.executemany(
                "INSERT INTO jobs (job_id, first_seen, last_tick, paused, pause_note, backfill) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET "
                "last_tick = excluded.last_tick, paused = excluded.paused, "
                "pause_note = excluded.pause_note, backfill = excluded.backfill",
                [_job_row(j) for j in changes.jobs],
            )
            db.executemany(
                "DELETE FROM jobs WHERE job_id = ?", [(j,) for j in changes.deleted_jobs]
            )
            db.executemany(
                "DELETE FROM direct_jobs WHERE id = ?", [(j,) for j in changes.deleted_jobs]
            )
            db.executemany(
                _JOB_RUN_INSERT, (_row(j, _JOB_RUN_COLUMNS) for j in changes.new_job_runs)
            )
            db.executemany(
                "INSERT OR REPLACE INTO job_run_snapshots (job_run_id, snapshot) VALUES (?, ?)",
                ((j.id, _dump(j.snapshot)) for j in changes.new_job_runs),
            )
            new = {j.id for j in changes.new_job_runs}
            db.executemany(
                _JOB_RUN_UPDATE,
                [(*_row(j, _JOB_RUN_MUTABLE), j.id) for j in changes.job_runs if j.id not in new],
            )
            db.executemany(_RUN_INSERT, (_row(r, _RUN_COLUMNS) for r in changes.new_runs))
            db.executemany(
                _NEW_RUN_INSERT, (_row(r, _RUN_FIXED) for r in chain(*changes.spilled_runs))
            )
            db.executemany(_RUN_UPDATE, (_row(r, _RUN_UPDATED) for r in changes.runs))
            db.executemany(
                f"INSERT INTO attempts VALUES ({', '.join('?' * 10)})",  # each once: no key
                (_row(a, _ATTEMPT_COLUMNS) for a in changes.attempts),
            )
            db.executemany(
                "INSERT OR IGNORE INTO missed_ticks (job_id, tick) VALUES (?, ?)",
                changes.missed_ticks,
            )
            db.executemany(
                "INSERT OR IGNORE INTO deliveries (id, kind, job_id, job_run_id, run_id, target, "
                "body, created_at, state, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (
                    (
                        d.id,
                        d.kind,
                        d.job_id,
                        d.job_run_id,
                        d.run_id,
                        d.target,
                        d.body,
                        d.created_at,
                        d.created_at,
                    )
                    for d in changes.deliveries
                ),
            )
            for job_run in changes.pruned_job_runs:
                db.execute(  # by its Runs: ``attempts`` has one index only (each is a cost)
                    "DELETE FROM attempts WHERE run_id IN "
                    "(SELECT id FROM runs WHERE job_run_id = ?)",
                    (job_run.id,),
                )
                for table, column in _PRUNED_ROWS:
                    db.execute(f"DELETE FROM {table} WHERE {column} = ?", (job_run.id,))
                db.execute(  # what is still to be delivered outlives the JobRun's history
                    "DELETE FROM deliveries WHERE job_run_id = ? AND state NOT IN "
                    "('pending', 'held')",
                    (job_run.id,),
                )

    def watermarks(self) -> list[Watermark]:
        """JobRuns whose results file may lag behind the store (or be ahead after a crash)."""
        rows = self._db.execute(
            "SELECT id, job_id, auth_session, results_seq, results_written_seq, results_size "
            "FROM job_runs WHERE results_seq > 0"
        )
        return [Watermark(*row) for row in rows]

    def unwritten_runs(self, job_run_id: str, after_seq: int) -> list[Run]:
        """The ended Runs whose lines come after line ``after_seq``, in line order (a scan of
        the JobRun's Runs: only a start-up after a crash asks)."""
        return self._select_runs(
            "job_run_id = ? AND result_seq > ? ORDER BY result_seq", (job_run_id, after_seq)
        )

    def mark_results_written(self, marks: Iterable[tuple[str, int, int]]) -> None:
        """(job_run_id, last written seq, file size): the file is good up to there. Recorded
        with the next saved pass, not in a transaction of its own (that would be two commits
        per pass): a crash before then leaves the file longer than its watermark, which
        ``ResultsFiles.reconcile`` cuts back and makes again from the Runs' rows."""
        for job_run_id, seq, size in marks:
            self._marks[job_run_id] = (seq, size)

    def _record_marks(self) -> None:
        db = self._db
        db.executemany(
            "UPDATE job_runs SET results_written_seq = ?, results_size = ? WHERE id = ?",
            [(seq, size, job_run_id) for job_run_id, (seq, size) in self._marks.items()],
        )
        self._marks.clear()
