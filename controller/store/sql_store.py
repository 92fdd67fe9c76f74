"""The store on a SQL database (a SQLite file, or a PostgreSQL server): versioned migrations,
one transaction per engine pass.

The engine's ``Changes`` for one pass are saved in a single transaction, so the stored state is
always the state after some whole pass, never half of one (how a commit survives a killed
process is the database's: ``sqlite_database``, ``postgres``).

A Run's results line is appended to the JobRun's results file after the pass that ended the Run
is saved; the Run's ``result_seq`` is the line's position, and ``results_written_seq``/
``results_size`` record how much of the file is known good. After a crash the file is cut back
to that size and the lines of the Runs after it are made again from their rows, so each Run has
exactly one line (the line is never stored: it is a pure function of the row).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from .. import jsontext
from ..engine import Changes, JobRun, KnownJob, Run, spill
from .auth_states import SqlAuthStates
from .base import StoredState, Watermark
from .database import Database, replace_into
from .delivery_queue import SqlDeliveryQueue
from .documents import SqlDocuments
from .leadership import Leadership, LeadershipLost
from .migrations import migrate
from .persistent_store import SqlPersistentStore
from .postgres import PostgresDatabase
from .rows import (
    ATTEMPT_COLUMNS,
    IN_STATUS,
    JOB_RUN_COLUMNS,
    JOB_RUN_INSERT,
    JOB_RUN_MUTABLE,
    JOB_RUN_UPDATE,
    NEW_RUN_INSERT,
    PRUNED_ROWS,
    RUN_COLUMNS,
    RUN_FIXED,
    RUN_INSERT,
    RUN_UPDATE,
    RUN_UPDATED,
    SELECT_JOB_RUNS,
    SELECT_RUNS,
    as_row,
    iter_runs,
    job_row,
    json_text,
    loaded_row,
    runs_from,
)
from .run_queries import SqlRunQueries
from .sqlite_database import SqliteDatabase
from .uploaded_results import keep_uploaded

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


def open_store(location: str | Path) -> SqlStore:
    """The store at ``location``: a PostgreSQL URL, else the path of a SQLite file."""
    if isinstance(location, str) and location.startswith(POSTGRESQL_SCHEMES):
        return SqlStore(PostgresDatabase(location))
    return SqlStore(SqliteDatabase(Path(location)))


class SqlStore:
    """``Store`` on one database (``db``). Not thread-safe: one controller loop owns it.

    ``deliveries`` is the delivery queue in the same database (its rows are planned by
    ``save``); ``auth_states`` holds AuthSession storage states; ``api_jobs``,
    ``api_auth_sessions`` and ``direct_jobs`` definitions given through the REST API
    (``documents``); ``run_queries`` reads Runs and attempts a page at a time.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        migrate(db)
        self.deliveries = SqlDeliveryQueue(db)
        self.auth_states = SqlAuthStates(db)
        self.persistent = SqlPersistentStore(db)
        self.api_jobs = SqlDocuments(db, "api_jobs")
        self.api_auth_sessions = SqlDocuments(db, "api_auth_sessions")
        self.direct_jobs = SqlDocuments(db, "direct_jobs")
        self.run_queries = SqlRunQueries(db)
        self._marks: dict[str, tuple[int, int]] = {}
        """Results-file watermarks not yet recorded: JobRun -> (last written seq, size)."""
        self.fenced_by: Leadership | None = None
        """With replicas: each pass is saved only while this one holds the lead."""

    @property
    def schema_version(self) -> int:
        return self.db.schema_version()

    def close(self) -> None:
        """Record the last watermarks, unless the lead was lost (the active replica's are the
        ones that count), give the lead up (a standby takes over at its next try) and let the
        database go."""
        lost = self.fenced_by is not None and self.fenced_by.epoch is None
        try:
            if self._marks and not lost:
                with contextlib.suppress(LeadershipLost), self.db.transaction():
                    if self.fenced_by is not None:
                        self.fenced_by.fence()
                    self._record_marks()
        finally:
            if self.fenced_by is not None:
                self.fenced_by.release()
            self.db.close()

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
            for r in self.db.execute("SELECT * FROM jobs")
        ]
        job_runs = []
        for row in self.db.execute(f"{SELECT_JOB_RUNS} ORDER BY created_at, id"):
            job_run = JobRun(**loaded_row(row, (*JOB_RUN_COLUMNS, "snapshot")))
            if job_run.active:
                self._load_held_runs(job_run)
            job_runs.append(job_run)
        return StoredState(jobs, job_runs)

    def _load_held_runs(self, job_run: JobRun) -> None:
        """Its running Runs and the first ``PENDING_HELD`` pending ones; the others stay here
        (``spill``): counted, loaded as the JobRun gets to them."""
        running = self._select_runs(IN_STATUS, (job_run.id, "RUNNING"))
        pending = self.pending_runs(job_run.id, -1, spill.PENDING_HELD)
        for run in running + pending:
            job_run.runs[run.id] = run
        (waiting,) = self.db.execute(
            f"SELECT count(*) FROM runs WHERE {IN_STATUS}", (job_run.id, "PENDING")
        ).fetchone()
        job_run.spilled = waiting - len(pending)
        job_run.held_through = pending[-1].seq if job_run.spilled else job_run.payloads

    def pending_runs(self, job_run_id: str, after_seq: int, limit: int) -> list[Run]:
        """The JobRun's pending Runs after position ``after_seq``, in order, at most ``limit``."""
        return self._select_runs(
            f"{IN_STATUS} AND seq > ? ORDER BY seq LIMIT ?",
            (job_run_id, "PENDING", after_seq, limit),
        )

    def _select_runs(self, where: str, parameters: tuple[Any, ...]) -> list[Run]:
        return runs_from(self.db.tuples(f"{SELECT_RUNS} WHERE {where}", parameters))

    def save(self, changes: Changes) -> None:
        """Everything one engine pass changed, in one transaction (with the watermarks of
        the results files written since the last one)."""
        if not changes and not self._marks:
            return
        db = self.db
        with db.transaction():
            if self.fenced_by is not None:
                self.fenced_by.fence()
            self._record_marks()
            db.executemany(
                "INSERT INTO jobs (job_id, first_seen, last_tick, paused, pause_note, backfill) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET "
                "last_tick = excluded.last_tick, paused = excluded.paused, "
                "pause_note = excluded.pause_note, backfill = excluded.backfill",
                [job_row(j) for j in changes.jobs],
            )
            db.executemany(
                "DELETE FROM jobs WHERE job_id = ?", [(j,) for j in changes.deleted_jobs]
            )
            db.executemany(
                "DELETE FROM direct_jobs WHERE id = ?", [(j,) for j in changes.deleted_jobs]
            )
            db.executemany(
                JOB_RUN_INSERT, (as_row(j, JOB_RUN_COLUMNS) for j in changes.new_job_runs)
            )
            db.executemany(
                replace_into("job_run_snapshots", ("job_run_id",), ("job_run_id", "snapshot")),
                ((j.id, json_text(j.snapshot)) for j in changes.new_job_runs),
            )
            new = {j.id for j in changes.new_job_runs}
            db.executemany(
                JOB_RUN_UPDATE,
                [(*as_row(j, JOB_RUN_MUTABLE), j.id) for j in changes.job_runs if j.id not in new],
            )
            db.executemany(RUN_INSERT, (as_row(r, RUN_COLUMNS) for r in changes.new_runs))
            db.executemany(
                NEW_RUN_INSERT, (as_row(r, RUN_FIXED) for r in chain(*changes.spilled_runs))
            )
            db.executemany(RUN_UPDATE, (as_row(r, RUN_UPDATED) for r in changes.runs))
            keep_uploaded(db, chain(changes.new_runs, changes.runs))
            db.executemany(
                f"INSERT INTO attempts VALUES ({', '.join('?' * 10)})",  # each once: no key
                (as_row(a, ATTEMPT_COLUMNS) for a in changes.attempts),
            )
            db.executemany(
                "INSERT INTO missed_ticks (job_id, tick) VALUES (?, ?) ON CONFLICT DO NOTHING",
                changes.missed_ticks,
            )
            db.executemany(
                "INSERT INTO deliveries (id, kind, job_id, job_run_id, run_id, target, body, "
                "created_at, state, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT DO NOTHING",
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
                for table, column in PRUNED_ROWS:
                    db.execute(f"DELETE FROM {table} WHERE {column} = ?", (job_run.id,))
                db.execute(  # what is still to be delivered outlives the JobRun's history
                    "DELETE FROM deliveries WHERE job_run_id = ? AND state NOT IN "
                    "('pending', 'held')",
                    (job_run.id,),
                )

    def watermarks(self) -> list[Watermark]:
        """JobRuns whose results file may lag behind the store (or be ahead after a crash)."""
        rows = self.db.execute(
            "SELECT id, job_id, auth_session, results_seq, results_written_seq, results_size "
            "FROM job_runs WHERE results_seq > 0"
        )
        return [Watermark(*row) for row in rows]

    def unwritten_runs(self, job_run_id: str, after_seq: int) -> Iterator[Run]:
        """The ended Runs whose lines come after line ``after_seq``, in line order, read as
        they are taken (a whole million-Run JobRun on a takeover; one scan of its Runs, which
        only a start-up after a crash or a takeover asks for)."""
        rows = self.db.tuples(
            f"{SELECT_RUNS} WHERE job_run_id = ? AND result_seq > ? ORDER BY result_seq",
            (job_run_id, after_seq),
        )
        return iter_runs(rows)

    def mark_results_written(self, marks: Iterable[tuple[str, int, int]]) -> None:
        """(job_run_id, last written seq, file size): the file is good up to there. Recorded
        with the next saved pass, not in a transaction of its own (that would be two commits
        per pass): a crash before then leaves the file longer than its watermark, which
        ``ResultsFiles.reconcile`` cuts back and makes again from the Runs' rows."""
        for job_run_id, seq, size in marks:
            self._marks[job_run_id] = (seq, size)

    def _record_marks(self) -> None:
        db = self.db
        db.executemany(
            "UPDATE job_runs SET results_written_seq = ?, results_size = ? WHERE id = ?",
            [(seq, size, job_run_id) for job_run_id, (seq, size) in self._marks.items()],
        )
        self._marks.clear()
