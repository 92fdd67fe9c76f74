"""``jobctl store copy``: an embedded state into a PostgreSQL database, history and all, and a
controller on the copy makes the same results files again."""

from __future__ import annotations

from pathlib import Path

from controller import jsontext
from controller.engine import Identity
from controller.runtime.results_files import ResultsFiles
from controller.store import RunFilter, open_store
from tests.support.postgres import PostgresServer
from tests.support.stores import save_all
from tests.unit.engine.harness import Scenario


def test_a_state_copied_into_postgresql_reads_the_same_and_makes_the_same_results_files(
    tmp_path: Path, postgres_server: PostgresServer, jobctl
) -> None:
    state = tmp_path / "state"
    sqlite = open_store(state / "state.db")
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], configuration: {maxConcurrentRequests: 3}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    first, second, third = s.running()
    s.succeed(first, jsontext.RawJson(b'{"big":"' + b"x" * 2_000_000 + b'"}'))
    s.succeed(second, {"small": [1, 2]})
    s.fail(third)
    s.step()
    save_all(s, sqlite)
    sqlite.persistent.set("cursor", {"page": 7}, 1)
    sqlite.auth_states.put("member", 2, {"cookies": [{"name": "sid"}]}, 1)
    files = ResultsFiles(state / "results", sqlite, Identity())
    files.reconcile()
    original = files.path("job", job_run.id).read_bytes()
    sqlite.close()

    url = postgres_server.new_database()
    copied = jobctl("store", "copy", "--from", str(state), "--to", url)
    assert copied.returncode == 0, copied.stderr
    assert "3 runs" in copied.stdout and "1 uploaded_results" in copied.stdout
    again = jobctl("store", "copy", "--from", str(state), "--to", url)
    assert again.returncode == 1 and "already holds state" in again.stderr

    postgres = open_store(url)
    try:
        (loaded,) = postgres.load().job_runs
        assert (loaded.id, loaded.successful_runs, loaded.status) == (job_run.id, 2, "PENDING")
        page = postgres.run_queries.runs(job_run.id, RunFilter(), after_seq=-1, limit=10)
        assert [r["status"] for r in page] == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]
        assert postgres.persistent.get("cursor") == {"page": 7}
        assert postgres.auth_states.get("member") == (2, {"cookies": [{"name": "sid"}]})
        elsewhere = ResultsFiles(tmp_path / "replica" / "results", postgres, Identity())
        elsewhere.reconcile()
        assert elsewhere.path("job", job_run.id).read_bytes() == original
    finally:
        postgres.close()
