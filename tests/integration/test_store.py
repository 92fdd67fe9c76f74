"""The SQLite store on real files: migrations, round trips, results reconciliation after a crash."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from controller import jsontext
from controller.engine import Changes, Identity, Run, ids
from controller.engine.spill import SpilledRuns
from controller.runtime.results_files import ResultsFiles
from controller.spec import PayloadItem
from controller.store import RunFilter, SqliteStore, StateFullError
from controller.store.migrations import MIGRATIONS
from controller.store.run_queries import RESULT_PREVIEW_UNITS
from tests.unit.engine.harness import Scenario

pytestmark = pytest.mark.integration


def test_a_new_store_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    again = SqliteStore(tmp_path / "state.db")
    assert again.schema_version == len(MIGRATIONS)
    mode = sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_store_from_a_newer_jobctl_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer jobctl"):
        SqliteStore(tmp_path / "state.db")


def _save_all(s: Scenario, store: SqliteStore) -> None:
    for output in s.outputs:
        store.save(output.changes)
    s.outputs.clear()


def test_state_round_trips_through_the_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    s = Scenario(
        '{payload: [{api: "a", parameters: {x: [1, 2]}}, {api: "b"}], configuration: {maxConcurrentRequests: 1}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0], {"deep": {"value": 1}})
    s.step()
    _save_all(s, store)
    state = store.load()
    (loaded,) = state.job_runs
    assert (loaded.id, loaded.status, loaded.successful_runs, loaded.payloads) == (
        job_run.id,
        "PENDING",
        1,
        2,
    )
    assert loaded.snapshot == job_run.snapshot
    (unfinished,) = loaded.runs.values()  # the ended Run stays in the store, unloaded
    assert (unfinished.api_name, unfinished.status, unfinished.attempts) == ("b", "RUNNING", 0)
    ended = store.run_queries.run(job_run.id, ids.run_id(job_run.id, 0))
    assert ended is not None and (ended["status"], ended["attempts"]) == ("SUCCEEDED", 1)
    assert ended["result"] == {"deep": {"value": 1}} and ended["parameters"] == {"x": [1, 2]}
    assert [(j.job_id, j.paused) for j in state.jobs] == [("job", False)]


def test_results_files_are_reconciled_after_a_crash_in_either_window(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    files = ResultsFiles(tmp_path / "results", store, Identity())
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], configuration: {maxConcurrentRequests: 3}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    _save_all(s, store)
    first, second, third = s.running()
    s.succeed(first)
    output = s.step()
    store.save(output.changes)
    files.append(output.changes.results)  # line 1 written and acknowledged

    s.succeed(second)
    output = s.step()
    store.save(output.changes)
    path = files.path("job", job_run.id)
    with path.open("ab") as handle:  # crash after writing line 2, before the watermark moved
        handle.write((output.changes.results[0].line + "\n").encode())

    s.succeed(third)
    output = s.step()
    store.save(output.changes)  # crash before line 3 was written at all

    files.reconcile()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["apiInfo"]["name"] for line in lines] == ["a", "b", "c"]
    files.reconcile()
    assert len(path.read_text().splitlines()) == 3
    files.close()


def test_an_uploaded_result_is_kept_once_and_its_line_is_made_again_from_the_store(
    tmp_path: Path,
) -> None:
    """An uploaded result (``RawJson``) goes into its own table as the text it arrived as; the
    Run's row holds its first bytes, which list previews read; lines made again after a crash,
    the whole Run and its preview all come from the store."""
    store = SqliteStore(tmp_path / "state.db")
    files = ResultsFiles(tmp_path / "results", store, Identity())
    s = Scenario('{payload: [{api: "a"}, {api: "b"}], configuration: {maxConcurrentRequests: 2}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    _save_all(s, store)
    uploaded = jsontext.RawJson(('{"text":"' + "é" * 700_000 + '"}').encode())
    first, second = s.running()
    s.succeed(first, uploaded)
    s.succeed(second, {"small": True})
    output = s.step()
    store.save(output.changes)  # a crash before either line was written
    files.reconcile()
    made = sorted(output.changes.results, key=lambda r: r.seq)
    lines = files.path("job", job_run.id).read_bytes().splitlines()
    assert lines == [b"".join(r.pieces) for r in made]
    assert json.loads(lines[0])["apiInfo"]["result"]["text"] == "é" * 700_000
    mark = sqlite3.connect(tmp_path / "state.db").execute(
        "SELECT typeof(result), length(result) FROM runs WHERE id = ?", (made[0].run_id,)
    )
    assert mark.fetchone() == ("blob", RESULT_PREVIEW_UNITS)
    whole = store.run_queries.run(job_run.id, made[0].run_id)
    assert whole is not None and whole["result"] == uploaded
    page = store.run_queries.runs(job_run.id, RunFilter(), after_seq=-1, limit=10)
    previews = {r["id"]: r["result_preview"] for r in page}
    assert previews[made[0].run_id].startswith('{"text":"éé')
    assert previews[made[1].run_id] == '{"small":true}'
    files.close()
    store.close()


def test_lines_the_previous_schema_left_unwritten_are_written_after_the_upgrade(
    tmp_path: Path,
) -> None:
    """Schema 8 kept unwritten lines in a ``results`` table; 9 makes them from the Runs."""
    store = SqliteStore(tmp_path / "state.db")
    files = ResultsFiles(tmp_path / "results", store, Identity())
    s = Scenario('{payload: [{api: "a"}, {api: "b"}], configuration: {maxConcurrentRequests: 2}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    _save_all(s, store)
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
        "DROP TABLE uploaded_results; "  # schema 11
        "PRAGMA user_version = 8"
    )
    db.execute(
        "INSERT INTO results VALUES (?, ?, ?, ?, ?)",
        (unwritten.job_id, unwritten.job_run_id, unwritten.seq, unwritten.run_id, unwritten.line),
    )
    db.commit()
    db.close()
    upgraded = SqliteStore(tmp_path / "state.db")
    ResultsFiles(tmp_path / "results", upgraded, Identity()).reconcile()
    path = files.path("job", job_run.id)
    assert path.read_text().splitlines() == [written.line, unwritten.line]
    upgraded.close()


def test_a_full_state_volume_is_named_and_nothing_saved_before_is_lost(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    s = Scenario('{payload: [{api: "a"}]}')
    first = s.engine.trigger("job", s.now)
    s.step()
    _save_all(s, store)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    for _ in range(50):
        s.engine.trigger("job", s.now)  # CANCELED records: rows to write
    s.step()
    with pytest.raises(StateFullError, match=r"state\.db: no space left on its volume"):
        _save_all(s, store)
    store.close()
    again = SqliteStore(tmp_path / "state.db")
    assert [j.id for j in again.load().job_runs] == [first.id]
    again.close()


def test_a_full_volume_under_a_results_file_is_named(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    s = Scenario('{payload: [{api: "a"}]}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0])
    s.step()
    records = [r for o in s.outputs for r in o.changes.results]
    _save_all(s, store)
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
    store = SqliteStore(tmp_path / "state.db")
    assert store.api_jobs.all() == {"sdk-job": {"a": 1}}
    assert store.auth_states.get("member") == (3, {"cookies": []})
    assert store.auth_states.status("member") == "READY"


def test_an_auth_session_is_pending_ready_expired_and_pending_again_after_new_credentials(
    tmp_path: Path,
) -> None:
    states = SqliteStore(tmp_path / "state.db").auth_states
    assert states.status("s") == "PENDING"  # never created
    states.put("s", 1, {"cookies": [1]}, 0)
    assert states.status("s") == "READY"
    states.expire("s")
    assert states.status("s") == "EXPIRED"
    states.put("s", 2, {"cookies": [2]}, 0)  # recreated
    assert states.status("s") == "READY"
    states.reset("s", 0)  # new credentials: the next attempt recreates it
    assert states.get("s") == (3, None) and states.status("s") == "PENDING"
    states.forget("s")
    assert states.get("s") == (0, None)


def test_runs_are_read_a_page_at_a_time_and_attempts_go_with_their_pruned_jobrun(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "state.db")
    items = ", ".join(
        f'{{api: "{"b" if n % 3 else "a"}", parameters: {{n: {n}}}}}' for n in range(9)
    )
    job = f"{{payload: [{items}], configuration: {{maxConcurrentRequests: 9}}}}"
    s = Scenario(job, history_limit=1)
    first = s.engine.trigger("job", s.now)
    s.step()
    for request in s.running():
        (s.fail if request.api_name == "a" else s.succeed)(request)
    s.step()
    _save_all(s, store)
    queries = store.run_queries
    everything = RunFilter()
    page = queries.runs(first.id, everything, after_seq=-1, limit=4)
    after = queries.runs(first.id, everything, after_seq=page[-1]["seq"], limit=100)
    assert [r["parameters"]["n"] for r in page + after] == list(range(9))
    retried = queries.runs(first.id, RunFilter(api="a", status="RUNNING"), after_seq=-1, limit=9)
    assert [r["parameters"]["n"] for r in retried] == [0, 3, 6]  # their retry runs
    assert [a["outcome"] for a in queries.attempts(retried[0])] == ["failed"]
    assert queries.runs(first.id, RunFilter(error_code="boom"), after_seq=-1, limit=9) == retried
    one = queries.run(first.id, page[1]["id"])
    assert one is not None and one["result"] == {"ok": page[1]["id"]}
    (implied,) = queries.attempts(one)  # its only launch succeeded: its row says it all
    assert implied == {
        "id": f"{one['id']}.1",
        "number": 1,
        "started_at": one["started_at"],
        "ended_at": one["ended_at"],
        "outcome": "succeeded",
        "error": None,
        "trace_url": one["trace_url"],
        "log_url": one["log_url"],
    }
    (stored,) = store._db.execute("SELECT count(*) FROM attempts").fetchone()
    assert stored == 3  # the failed ones only
    s.engine.terminate(first.id, s.now)
    s.engine.trigger("job", s.now)
    s.step()
    _save_all(s, store)  # the second JobRun's start prunes nothing yet; its end would
    s.engine.terminate(s.engine.job_runs[list(s.engine.job_runs)[-1]].id, s.now)
    s.step()
    _save_all(s, store)
    assert queries.attempts(retried[0]) == []
    assert queries.run(first.id, page[1]["id"]) is None


def test_every_stored_field_of_a_run_reads_back_as_it_was_saved(tmp_path: Path) -> None:
    """Runs are made from rows by position: a column out of ``Run``'s order would show here."""
    store = SqliteStore(tmp_path / "state.db")
    run = Run(
        id=ids.run_id("jr_1", 7),
        job_run_id="jr_1",
        seq=7,
        api_name="page",
        parameters={"n": 18446744073709551616, "text": "é"},
        max_attempts=4,
        extended_from=ids.run_id("jr_1", 0),
        request_timeout_ms=9000,
        status="FAILED",
        attempts=2,
        launches=3,
        result={"partial": [1.5, None]},
        error={"code": "automation-error", "category": "user", "message": "no"},
        reason={"type": "job-run-terminated", "message": "stopped"},
        started_at=1_000,
        ended_at=2_000,
        trace_url="http://h/artifacts/t",
        log_url="http://h/artifacts/l",
        result_seq=5,
    )
    store.save(Changes(new_runs=[run]))
    (loaded,) = store.unwritten_runs("jr_1", 4)
    store.close()
    assert loaded == run


def test_a_spilled_run_reads_back_as_the_run_made_for_its_item(tmp_path: Path) -> None:
    """Spilled Runs are saved with the new Run's defaults written into the statement."""
    store = SqliteStore(tmp_path / "state.db")
    item = PayloadItem.model_validate(
        {"apiName": "page", "parameters": {"n": 1}, "requestTimeout": 30}
    )
    spilled = SpilledRuns("jr_1", 3, [item], 5, ids.run_id("jr_1", 0))
    store.save(Changes(spilled_runs=[spilled]))
    (loaded,) = store.pending_runs("jr_1", -1, 10)
    store.close()
    assert loaded == next(iter(spilled))
    assert (loaded.status, loaded.attempts, loaded.launches, loaded.result) == (
        "PENDING",
        0,
        0,
        None,
    )
