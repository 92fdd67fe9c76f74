"""The store contract, the same tests on every backend: a SQLite file and a real PostgreSQL
server (``postgres_server``). A backend passes them unchanged or is not a store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from controller import jsontext
from controller.engine import Changes, Delivery, Identity, Run, ids
from controller.engine.spill import SpilledRuns
from controller.runtime.results_files import ResultsFiles
from controller.spec import PayloadItem
from controller.store import RunFilter, SqlStore
from controller.store.leadership import LEASE_MS, Holder, Leadership, LeadershipLost
from controller.store.migrations import MIGRATIONS
from controller.store.run_queries import RESULT_PREVIEW_CHARS
from tests.support.stores import Backend, save_all
from tests.unit.engine.harness import Scenario


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        chosen = Backend("sqlite", tmp_path / "state.db")
    else:
        chosen = Backend("postgresql", request.getfixturevalue("postgres_server").new_database())
    yield chosen
    chosen.close_all()


def test_a_new_store_has_every_migration_and_one_a_newer_jobctl_wrote_is_refused(
    backend: Backend,
) -> None:
    store = backend.open()
    assert store.schema_version == len(MIGRATIONS)
    with store.db.transaction():
        store.db.set_schema_version(len(MIGRATIONS) + 1)
    store.close()
    newer = rf"written by a newer jobctl \(schema {len(MIGRATIONS) + 1}\); upgrade jobctl"
    with pytest.raises(RuntimeError, match=newer):
        backend.open()


def test_replicas_starting_at_once_on_a_new_database_migrate_it_once(backend: Backend) -> None:
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: backend.open(), range(4)))
    assert [store.schema_version for store in stores] == [len(MIGRATIONS)] * 4


def test_state_round_trips_through_the_store(backend: Backend, tmp_path: Path) -> None:
    store = backend.open()
    s = Scenario(
        '{payload: [{api: "a", parameters: {x: [1, 2]}}, {api: "b"}], configuration: {maxConcurrentRequests: 1}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0], {"deep": {"value": 1}})
    s.step()
    save_all(s, store)
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


def test_results_files_are_reconciled_after_a_crash_in_either_window(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.open()
    files = ResultsFiles(tmp_path / "results", store, Identity())
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], configuration: {maxConcurrentRequests: 3}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    save_all(s, store)
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
    backend: Backend, tmp_path: Path
) -> None:
    """An uploaded result (``RawJson``) goes into its own table as the text it arrived as; the
    Run's row holds its first characters, which list previews read; lines made again after a crash,
    the whole Run and its preview all come from the store."""
    store = backend.open()
    files = ResultsFiles(tmp_path / "results", store, Identity())
    s = Scenario('{payload: [{api: "a"}, {api: "b"}], configuration: {maxConcurrentRequests: 2}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    save_all(s, store)
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
    start = store.db.execute("SELECT result FROM runs WHERE id = ?", (made[0].run_id,))
    assert start.fetchone()[0] == '{"text":"' + "é" * (RESULT_PREVIEW_CHARS - 8)
    whole = store.run_queries.run(job_run.id, made[0].run_id)
    assert whole is not None and whole["result"] == uploaded
    page = store.run_queries.runs(job_run.id, RunFilter(), after_seq=-1, limit=10)
    previews = {r["id"]: r["result_preview"] for r in page}
    assert previews[made[0].run_id].startswith('{"text":"éé')
    assert previews[made[1].run_id] == '{"small":true}'
    files.close()
    store.close()


def test_an_auth_session_is_pending_ready_expired_and_pending_again_after_new_credentials(
    backend: Backend, tmp_path: Path
) -> None:
    states = backend.open().auth_states
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
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.open()
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
    save_all(s, store)
    queries = store.run_queries
    everything = RunFilter()
    page = queries.runs(first.id, everything, after_seq=-1, limit=4)
    after = queries.runs(first.id, everything, after_seq=page[-1]["seq"], limit=100)
    assert [r["parameters"]["n"] for r in page + after] == list(range(9))
    retried = queries.runs(first.id, RunFilter(api="a", status="RUNNING"), after_seq=-1, limit=9)
    assert [r["parameters"]["n"] for r in retried] == [0, 3, 6]  # their retry runs
    assert [a["outcome"] for a in queries.attempts(retried[0])] == ["failed"]
    assert queries.runs(first.id, RunFilter(error_code="boom"), after_seq=-1, limit=9) == retried
    found = queries.runs(first.id, RunFilter(search='"n":4'), after_seq=-1, limit=9)
    assert [r["parameters"]["n"] for r in found] == [4]  # text in its parameters' JSON
    assert queries.items(first.id, None) == []  # no Run ended FAILED: they are retrying
    chosen = queries.items(first.id, [page[2]["id"], page[0]["id"]])
    assert [item["parameters"]["n"] for item in chosen] == [0, 2]
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
    (stored,) = store.db.execute("SELECT count(*) FROM attempts").fetchone()
    assert stored == 3  # the failed ones only
    s.engine.terminate(first.id, s.now)
    s.engine.trigger("job", s.now)
    s.step()
    save_all(s, store)  # the second JobRun's start prunes nothing yet; its end would
    s.engine.terminate(s.engine.job_runs[list(s.engine.job_runs)[-1]].id, s.now)
    s.step()
    save_all(s, store)
    assert queries.attempts(retried[0]) == []
    assert queries.run(first.id, page[1]["id"]) is None


def test_every_stored_field_of_a_run_reads_back_as_it_was_saved(
    backend: Backend, tmp_path: Path
) -> None:
    """Runs are made from rows by position: a column out of ``Run``'s order would show here."""
    store = backend.open()
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


def test_a_spilled_run_reads_back_as_the_run_made_for_its_item(
    backend: Backend, tmp_path: Path
) -> None:
    """Spilled Runs are saved with the new Run's defaults written into the statement."""
    store = backend.open()
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


def sink(n: int, job_id: str = "job", job_run_id: str = "jr_1") -> Delivery:
    return Delivery(f"msg_{n}", "sink", job_id, job_run_id, created_at=n, body=f"line {n}")


def test_deliveries_are_planned_once_and_move_through_their_states(backend: Backend) -> None:
    store = backend.open()
    queue = store.deliveries
    store.save(Changes(deliveries=[sink(1), sink(2), sink(3, job_id="other")]))
    store.save(Changes(deliveries=[sink(1)]))  # planned again by a pass after a crash: once
    assert [q.delivery.id for q in queue.due(10, 100)] == ["msg_1", "msg_2", "msg_3"]
    assert queue.outstanding() == 3 and queue.outstanding(["jr_1"]) == 3
    assert queue.outstanding(["jr_other"]) == 0 and queue.oldest_outstanding() == 1
    queue.retry("msg_1", 1, 50, "503 from the receiver")
    assert [q.delivery.id for q in queue.due(10, 100)] == ["msg_2", "msg_3"]
    assert queue.next_due_after(10) == 50
    assert queue.due_now("job", "sink", 0, 20) == 1  # the receiver answers again
    assert queue.hold_job("job", "sink", "401: fix its token") == 2
    assert [q.delivery.id for q in queue.due(100, 100)] == ["msg_3"]
    assert queue.release_job("job", 30) == 2
    queue.finish("msg_2", "delivered", 1, None)
    delivered = queue.get("msg_2")
    assert delivered is not None and (delivered.state, delivered.delivery.body) == ("delivered", "")
    queue.finish("msg_1", "failed", 5, "gave up")
    kept = {q.delivery.id: (q.state, q.attempts, q.last_error) for q in queue.for_job_run("jr_1")}
    assert kept == {
        "msg_1": ("failed", 5, "gave up"),
        "msg_2": ("delivered", 1, None),
        "msg_3": ("pending", 0, None),
    }
    assert queue.hold_job("other", "sink", "held") == 1 and queue.release_all(40) == 1


def test_gone_targets_results_objects_and_missed_ticks_are_kept(backend: Backend) -> None:
    store = backend.open()
    queue = store.deliveries
    assert queue.gone_fingerprint("job", "h1") is None
    queue.mark_gone("job", "h1", "first")
    queue.mark_gone("job", "h1", "second")  # replaced, not added
    assert queue.gone_fingerprint("job", "h1") == "second"
    queue.clear_gone("job", "h1")
    assert queue.gone_fingerprint("job", "h1") is None
    queue.put_results_object("jr_1", {"location": "s3", "key": "a"})
    queue.put_results_object("jr_1", {"location": "s3", "key": "b"})
    assert queue.results_object("jr_1") == {"location": "s3", "key": "b"}
    assert queue.results_object("jr_2") is None
    store.save(Changes(missed_ticks=[("job", 1_000), ("job", 3_000), ("job", 2_000)]))
    store.save(Changes(missed_ticks=[("job", 3_000)]))  # recorded again: once
    assert store.run_queries.missed_ticks("job", 2) == [3_000, 2_000]


def test_documents_and_the_persistent_store_survive_a_restart(backend: Backend) -> None:
    store = backend.open()
    store.api_jobs.put("sdk-job", {"payload": [{"apiName": "a"}], "n": 2**70})
    store.api_jobs.put("sdk-job", {"payload": []})  # replaced
    store.api_auth_sessions.put("member", {"credentials": {"password": "p"}})
    store.direct_jobs.put("direct", {"payload": [{"apiName": "b"}]})
    store.direct_jobs.delete("direct")
    store.persistent.set("cursor", {"page": 3, "seen": ["é"]}, 1)
    store.persistent.set("cursor", {"page": 4}, 2)
    store.close()
    again = backend.open()
    assert again.api_jobs.all() == {"sdk-job": {"payload": []}}
    assert again.api_auth_sessions.all() == {"member": {"credentials": {"password": "p"}}}
    assert again.direct_jobs.all() == {}
    assert again.persistent.get("cursor") == {"page": 4}
    assert again.persistent.get("nothing") is None


def test_an_auth_sessions_summary_says_when_it_was_recreated_and_checked(backend: Backend) -> None:
    states = backend.open().auth_states
    assert states.summary("s") == {
        "status": "PENDING",
        "version": 0,
        "updated_at": None,
        "checked_at": None,
    }
    states.put("s", 1, {"cookies": [{"name": "sid"}]}, 1_000)
    states.checked("s", 2_000)
    assert states.summary("s") == {
        "status": "READY",
        "version": 1,
        "updated_at": 1_000,
        "checked_at": 2_000,
    }
    states.put("s", 2, {"cookies": []}, 3_000)  # recreated: not checked since
    assert states.summary("s")["checked_at"] is None


def lapse(store: SqlStore, by_ms: int) -> None:
    """As if the holder last renewed ``by_ms`` earlier (the database's clock decides)."""
    store.db.execute("UPDATE leadership SET renewed_at = renewed_at - ?", (by_ms,))


def test_one_replica_leads_a_standby_takes_over_once_it_lapses_and_the_old_one_is_fenced(
    backend: Backend,
) -> None:
    first_store, second_store = backend.open(), backend.open()
    first = Leadership(first_store.db, Holder("first", "host-a", 1))
    second = Leadership(second_store.db, Holder("second", "host-b", 1))
    assert first.try_take() is None and first.epoch == 1
    held = second.try_take()
    assert held is not None and held.holder == "first" and second.epoch is None
    first.renew()
    lapse(first_store, LEASE_MS + 1)
    assert second.try_take() is None and second.epoch == 2
    first_store.fenced_by = first
    s = Scenario('{payload: [{api: "a"}]}')
    s.engine.trigger("job", s.now)
    s.step()
    with pytest.raises(LeadershipLost, match="second holds the lead"):
        save_all(s, first_store)  # a replica that came back after the takeover writes nothing
    assert second_store.load().job_runs == []
    second.release()
    assert first.try_take() is None and first.epoch == 3  # released: taken at once


def test_a_dead_holder_on_the_same_host_is_taken_over_at_once(backend: Backend) -> None:
    store = backend.open()
    dead = Leadership(store.db, Holder("dead", socket.gethostname(), _exited_pid()))
    assert dead.try_take() is None
    alive_elsewhere = Leadership(store.db, Holder("other-host", "elsewhere", 1))
    assert alive_elsewhere.try_take() is not None  # another host's holder: wait for the lease
    here = Leadership(store.db, Holder("here", socket.gethostname(), os.getpid()))
    assert here.try_take() is None and here.epoch == 2


def _exited_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_failed_runs_are_counted_by_filter_and_grouped_by_code_and_message(
    backend: Backend,
) -> None:
    store = backend.open()
    items = ", ".join(
        f'{{api: "{"a" if n < 4 else "b"}", parameters: {{n: {n}}}}}' for n in range(6)
    )
    s = Scenario(f"{{payload: [{items}], configuration: {{maxConcurrentRequests: 6}}}}")
    job_run = s.engine.trigger("job", s.now)
    s.step()
    for request in s.running():
        if request.api_name == "a":
            s.fail(request, category="user", code="gone" if request.parameters["n"] else "other")
        else:
            s.succeed(request)
    s.step()
    save_all(s, store)
    queries = store.run_queries
    assert queries.count(job_run.id, RunFilter(status="FAILED")) == 4
    assert queries.count(job_run.id, RunFilter(status="FAILED", error_code="gone")) == 3
    assert queries.count(job_run.id, RunFilter(api="b")) == 2
    chosen = queries.items(job_run.id, RunFilter(error_code="gone", search='"n":2'))
    assert [r["parameters"]["n"] for r in chosen] == [2]
    groups = sorted(queries.failures([job_run.id], limit=10), key=lambda g: -g["count"])
    assert [(g["code"], g["message"], g["count"], g["job_run_id"]) for g in groups] == [
        ("gone", "gone", 3, job_run.id),
        ("other", "other", 1, job_run.id),
    ]
    assert groups[0]["first_ended_at"] == groups[0]["last_ended_at"] == s.now
    store.close()


def test_a_jobruns_ended_attempts_are_read_whole_or_counted_in_slices(backend: Backend) -> None:
    store = backend.open()
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], configuration: {maxConcurrentRequests: 3}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    first = s.now
    a, b, c = s.running()
    s.now += 1_000
    s.fail(a)  # a failed attempt: a row of its own; it is retried
    s.succeed(b)  # its only launch: its Run's row is its attempt
    s.step()
    s.now += 1_000
    (again,) = [r for r in s.running() if r.run_id == a.run_id]
    s.succeed(again)
    s.succeed(c)
    s.step()
    save_all(s, store)
    queries = store.run_queries
    ended = queries.ended_attempts(job_run.id, 10)
    assert sorted((run, number, outcome) for run, number, _, _, outcome in ended) == sorted(
        [
            (a.run_id, 1, "failed"),
            (a.run_id, 2, "succeeded"),
            (b.run_id, 1, "succeeded"),
            (c.run_id, 1, "succeeded"),
        ]
    )
    assert all(started >= first and ended_at > started for _, _, started, ended_at, _ in ended)
    assert len(queries.ended_attempts(job_run.id, 2)) == 2
    counted = sorted(queries.attempt_histogram(job_run.id, first, 1_000, 3))
    assert counted == [(1, "failed", 1), (1, "succeeded", 1), (2, "succeeded", 2)]
    store.close()
