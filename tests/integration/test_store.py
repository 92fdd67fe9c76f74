"""What only the SQLite store does: WAL, its upgrades from older schemas, a full volume (the
contract every backend keeps is in `test_store_contract.py`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from controller.engine import Identity
from controller.runtime.results_files import ResultsFiles
from controller.store import StateFullError, open_store
from controller.store.migrations import MIGRATIONS
from tests.support.stores import save_all
from tests.unit.engine.harness import Scenario


def test_a_new_store_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    again = open_store(tmp_path / "state.db")
    assert again.schema_version == len(MIGRATIONS)
    mode = sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_lines_the_previous_schema_left_unwritten_are_written_after_the_upgrade(
    tmp_path: Path,
) -> None:
    """Schema 8 kept unwritten lines in a ``results`` table; 9 makes them from the Runs."""
    store = open_store(tmp_path / "state.db")
    files = ResultsFiles(tmp_path / "results", store, Identity())
    s = Scenario('{payload: [{api: "a"}, {api: "b"}], configuration: {maxConcurrentRequests: 2}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    save_all(s, store)
    for attempt in s.running():
        s.succeed(attempt)
    output = s.step()
    store.save(output.changes)
    written, unwritten = output.changes.results
    files.append([written])
    files.close()
    store.close()
    db = sqlite3.connect(tmp_path / "state.db")
    db.executescript(
        "CREATE TABLE results (job_id TEXT NOT NULL, job_run_id TEXT NOT NULL, "
        "seq INTEGER NOT NULL, run_id TEXT NOT NULL, line TEXT NOT NULL, "
        "PRIMARY KEY (job_run_id, seq)); ALTER TABLE runs DROP COLUMN result_seq; "
        "DROP TABLE persistent_store; ALTER TABLE runs DROP COLUMN attributes; "  # schema 10
        "DROP TABLE uploaded_results; DROP TABLE leadership; "  # schemas 11 and 12
        "PRAGMA user_version = 8"
    )
    db.execute(
        "INSERT INTO results VALUES (?, ?, ?, ?, ?)",
        (unwritten.job_id, unwritten.job_run_id, unwritten.seq, unwritten.run_id, unwritten.line),
    )
    db.commit()
    db.close()
    upgraded = open_store(tmp_path / "state.db")
    ResultsFiles(tmp_path / "results", upgraded, Identity()).reconcile()
    path = files.path("job", job_run.id)
    assert path.read_text().splitlines() == [written.line, unwritten.line]
    upgraded.close()


def test_a_full_state_volume_is_named_and_nothing_saved_before_is_lost(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    s = Scenario('{payload: [{api: "a"}]}')
    first = s.engine.trigger("job", s.now)
    s.step()
    save_all(s, store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    for _ in range(50):
        s.engine.trigger("job", s.now)  # CANCELED records: rows to write
    s.step()
    with pytest.raises(StateFullError, match=r"state\.db: no space left on its volume"):
        save_all(s, store)
    store.close()
    again = open_store(tmp_path / "state.db")
    assert [j.id for j in again.load().job_runs] == [first.id]
    again.close()


def test_a_full_volume_under_a_results_file_is_named(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    s = Scenario('{payload: [{api: "a"}]}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0])
    s.step()
    records = [r for o in s.outputs for r in o.changes.results]
    save_all(s, store)
    files = ResultsFiles(tmp_path / "results", store, Identity())
    path = files.path("job", job_run.id)
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/full")  # every write: ENOSPC
    with pytest.raises(StateFullError, match=f"{job_run.id}.jsonl: no space left"):
        files.append(records)
    store.close()


def test_api_jobs_and_auth_session_states_survive_the_migration_to_schema_6(
    tmp_path: Path,
) -> None:
    db = sqlite3.connect(tmp_path / "state.db")
    for script in MIGRATIONS[:5]:
        db.executescript(script)
    db.execute("INSERT INTO api_jobs (job_id, document) VALUES ('sdk-job', '{\"a\": 1}')")
    db.execute("INSERT INTO auth_session_states VALUES ('member', 3, '{\"cookies\": []}', 0)")
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()
    store = open_store(tmp_path / "state.db")
    assert store.api_jobs.all() == {"sdk-job": {"a": 1}}
    assert store.auth_states.get("member") == (3, {"cookies": []})
    assert store.auth_states.status("member") == "READY"
