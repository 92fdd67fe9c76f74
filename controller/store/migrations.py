"""The store's schema, as numbered migrations: a database at schema version N has had the first
N applied; a new version appends one, and none is ever edited. Written in SQLite's types, the
same numbers on every backend (each takes a script as its dialect says, ``Dialect.schema``).
"""

from __future__ import annotations

from .database import Database

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE jobs (
        job_id TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL,
        last_tick INTEGER,
        paused INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE job_runs (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        scheduled_time INTEGER,
        start_time INTEGER,
        end_time INTEGER,
        updated_at INTEGER NOT NULL,
        payloads INTEGER NOT NULL,
        successful_runs INTEGER NOT NULL,
        failed_runs INTEGER NOT NULL,
        reason TEXT,
        error TEXT,
        auth_session TEXT,
        concurrency INTEGER NOT NULL,
        request_timeout_ms INTEGER NOT NULL,
        results_seq INTEGER NOT NULL,
        results_written_seq INTEGER NOT NULL DEFAULT 0,
        results_size INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX job_runs_by_job ON job_runs (job_id, created_at);
    CREATE TABLE job_run_snapshots (
        job_run_id TEXT PRIMARY KEY,
        snapshot TEXT NOT NULL
    );
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        job_run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        api_name TEXT NOT NULL,
        parameters TEXT NOT NULL,
        max_attempts INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        launches INTEGER NOT NULL,
        result TEXT,
        error TEXT,
        reason TEXT,
        started_at INTEGER,
        ended_at INTEGER,
        extended_from TEXT,
        trace_url TEXT,
        log_url TEXT
    );
    CREATE INDEX runs_by_job_run ON runs (job_run_id, seq);
    CREATE TABLE results (
        job_id TEXT NOT NULL,
        job_run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        line TEXT NOT NULL,
        PRIMARY KEY (job_run_id, seq)
    );
    CREATE TABLE missed_ticks (
        job_id TEXT NOT NULL,
        tick INTEGER NOT NULL,
        PRIMARY KEY (job_id, tick)
    );
    """,
    """
    CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        job_id TEXT NOT NULL,
        job_run_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        target INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX deliveries_due ON deliveries (state, due_at, id);
    CREATE INDEX deliveries_by_job ON deliveries (job_id, state);
    CREATE INDEX deliveries_by_job_run ON deliveries (job_run_id);
    CREATE TABLE gone_targets (
        job_id TEXT NOT NULL,
        url_hash TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (job_id, url_hash)
    );
    CREATE TABLE results_objects (
        job_run_id TEXT PRIMARY KEY,
        object TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE auth_session_states (
        session_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        storage_state TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    """,
    """
    CREATE TABLE api_jobs (
        job_id TEXT PRIMARY KEY,
        document TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE runs ADD COLUMN request_timeout_ms INTEGER;
    """,
    """
    ALTER TABLE api_jobs RENAME COLUMN job_id TO id;
    CREATE TABLE api_auth_sessions (
        id TEXT PRIMARY KEY,
        document TEXT NOT NULL
    );
    CREATE TABLE direct_jobs (
        id TEXT PRIMARY KEY,
        document TEXT NOT NULL
    );
    ALTER TABLE auth_session_states ADD COLUMN expired INTEGER NOT NULL DEFAULT 0;
    """,
    """
    CREATE TABLE attempts (
        id TEXT NOT NULL,
        job_run_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        trace_url TEXT,
        log_url TEXT
    );
    CREATE INDEX attempts_by_run ON attempts (run_id, number);
    CREATE INDEX runs_by_status ON runs (job_run_id, status, seq);
    """,
    """
    ALTER TABLE auth_session_states ADD COLUMN checked_at INTEGER;
    ALTER TABLE jobs ADD COLUMN pause_note TEXT;
    ALTER TABLE jobs ADD COLUMN backfill TEXT;
    ALTER TABLE job_runs ADD COLUMN rerun_of TEXT;
    """,
    """
    ALTER TABLE runs ADD COLUMN result_seq INTEGER;
    UPDATE runs SET result_seq = (SELECT seq FROM results WHERE results.run_id = runs.id)
        WHERE id IN (SELECT run_id FROM results);
    DROP TABLE results;
    DROP INDEX runs_by_status;
    CREATE INDEX runs_by_status ON runs (job_run_id, status, seq) WHERE status != 'SUCCEEDED';
    """,
    """
    CREATE TABLE persistent_store (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    ALTER TABLE runs ADD COLUMN attributes TEXT;
    """,
    """
    -- A result uploaded ahead of its event (up to 64 MiB), as the text it arrived as: written
    -- a piece at a time into a zeroblob, which SQLite keeps unexpanded as a row's last column.
    -- The Run's own row holds the text's first characters (its preview).
    CREATE TABLE uploaded_results (
        run_id TEXT PRIMARY KEY,
        job_run_id TEXT NOT NULL,
        text BLOB NOT NULL
    );
    CREATE INDEX uploaded_results_by_job_run ON uploaded_results (job_run_id);
    """,
    """
    -- Which replica is active (``leadership.py``), one row: ``epoch`` grows at each takeover.
    CREATE TABLE leadership (
        name TEXT PRIMARY KEY,
        holder TEXT,
        host TEXT,
        pid INTEGER,
        epoch INTEGER NOT NULL,
        renewed_at INTEGER NOT NULL
    );
    """,
)


def migrate(db: Database) -> None:
    """Apply what the database lacks, each migration in a transaction with its number. Replicas
    starting at once on a new database take turns (``Dialect.schema_lock``): each reads the
    version inside its transaction, so none applies a migration another just did."""
    while True:
        with db.transaction():
            if db.dialect.schema_lock:
                db.execute(db.dialect.schema_lock)
            version = db.schema_version()
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"{db.where} was written by a newer jobctl (schema {version}); upgrade jobctl"
                )
            if version == len(MIGRATIONS):
                return
            for statement in filter(str.strip, db.dialect.schema(MIGRATIONS[version]).split(";")):
                db.execute(statement)
            db.set_schema_version(version + 1)
