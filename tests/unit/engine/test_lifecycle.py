"""JobRun, Run and attempt transitions, scenario by scenario, on a fake clock."""

from __future__ import annotations

import pytest

from controller.engine import EngineError
from controller.engine.ids import run_id, scheduled_job_run_id

from .harness import Scenario, definition

THREE_ITEMS = '{payload: [{api: "a"}, {api: "b", retry: {maximumAttempts: 1}}, {api: "c"}], configuration: {maxConcurrentRequests: 2}}'


def test_manual_jobrun_runs_every_item_within_the_concurrency_cap() -> None:
    s = Scenario(THREE_ITEMS)
    job_run = s.engine.trigger("job", s.now)
    assert (job_run.type, job_run.status, job_run.payloads) == ("MANUAL", "PENDING", 3)
    s.step()
    assert [r.api_name for r in s.running()] == ["a", "b"]
    s.succeed(s.running()[0])
    s.step()
    assert [r.api_name for r in s.running()] == ["b", "c"]
    for request in s.running():
        s.succeed(request)
    s.step()
    assert (job_run.status, job_run.successful_runs, job_run.failed_runs) == ("COMPLETED", 3, 0)
    assert job_run.end_time == s.now
    assert sorted(line["apiInfo"]["name"] for line in s.results) == ["a", "b", "c"]


def test_results_line_has_the_reference_shape() -> None:
    s = Scenario('{payload: [{api: "a", parameters: {x: 1}}], auth_session: {id: "sess"}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.step(1500)
    s.succeed(s.running()[0], {"title": "Widget"})
    s.step()
    (line,) = s.results
    assert line == {
        "apiInfo": {
            "name": "a",
            "parameters": {"x": 1},
            "runId": run_id(job_run.id, 0),
            "result": {"title": "Widget"},
            "started_at": "2023-11-14T22:13:20.000Z",
            "ended_at": "2023-11-14T22:13:21.500Z",
            "error": None,
            "reason": None,
            "trace_url": None,
            "log_url": None,
        },
        "workspaceId": "local",
        "project": {"id": "local", "name": "default"},
        "projectJob": {"id": "job"},
        "projectJobRun": {"id": job_run.id},
        "authSession": "sess",
    }


def test_failures_are_retried_up_to_maximum_attempts_with_item_override() -> None:
    s = Scenario(THREE_ITEMS)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    a, b = s.running()
    s.fail(a)
    s.fail(b)  # b allows a single attempt
    s.step()
    assert [(r.api_name, r.attempt_number) for r in s.running()] == [("c", 1), ("a", 2)]
    runs = s.persisted_runs(job_run.id)
    assert (runs["a"].status, runs["a"].attempts) == ("RUNNING", 1)
    assert (runs["b"].status, runs["b"].error["code"]) == ("FAILED", "boom")
    assert job_run.failed_runs == 1
    assert "b" not in {r.api_name for r in job_run.runs.values()}  # ended: not held any more


def test_user_errors_are_not_retried() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.fail(s.running()[0], category="user", code="api-not-found")
    s.step()
    run = s.persisted_runs(job_run.id)["a"]
    assert (run.status, run.attempts, job_run.status, job_run.failed_runs) == (
        "FAILED",
        1,
        "COMPLETED",
        1,
    )
    assert s.results[0]["apiInfo"]["error"]["category"] == "user"
    assert s.results[0]["apiInfo"]["result"] is None


def test_an_attempt_times_out_unless_it_extends_its_timeout() -> None:
    s = Scenario('{payload: [{api: "slow"}, {api: "alive"}], configuration: {requestTimeout: 10}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    slow, alive = s.running()
    s.step(6_000)
    s.heartbeat(alive)
    assert s.engine.next_wakeup() == s.now + 4_000
    s.step(4_000)
    assert slow.attempt_id in s.cancels and alive.attempt_id not in s.cancels
    runs = {r.api_name: r for r in job_run.runs.values()}
    assert runs["slow"].error["code"] == "script-timeout" and runs["slow"].attempts == 1  # type: ignore[index]
    assert runs["slow"].status == "RUNNING"  # retried at once
    s.step(5_000)
    assert alive.attempt_id not in s.cancels


def test_a_worker_that_dies_is_an_infrastructure_failure_and_is_retried() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    s.step()
    first = s.running()[0]
    s.exit(first, -9)
    s.step()
    second = s.running()[0]
    assert second.attempt_id != first.attempt_id and second.attempt_number == 2
    run = next(iter(job_run.runs.values()))
    assert run.error["category"] == "infrastructure" and "-9" in run.error["message"]  # type: ignore[index]
    s.succeed(second)
    s.step()
    assert job_run.status == "COMPLETED" and s.persisted_runs(job_run.id)["a"].error is None


def test_extend_payload_appends_runs_that_inherit_retry_and_session() -> None:
    s = Scenario(
        '{payload: [{api: "list"}], configuration: {retry: {maximumAttempts: 4}}, auth_session: {id: "s"}}'
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    lister = s.running()[0]
    s.extend(
        lister,
        {"api": "details", "parameters": {"n": 1}},
        {"apiName": "details", "parameters": {"n": 2}},
        {"bogus": 1},
    )
    s.succeed(lister)
    s.step()
    assert job_run.payloads == 3 and job_run.status == "PENDING"
    extended = [r for r in job_run.runs.values() if r.extended_from]
    assert [(r.api_name, r.parameters, r.max_attempts) for r in extended] == [
        ("details", {"n": 1}, 4),
        ("details", {"n": 2}, 4),
    ]
    assert all(r.auth_session == "s" for r in s.running())
    for request in s.running():
        s.succeed(request)
    s.step()
    assert (job_run.status, job_run.successful_runs) == ("COMPLETED", 3)


def test_a_trigger_during_an_active_jobrun_is_recorded_as_canceled() -> None:
    s = Scenario()
    first = s.engine.trigger("job", s.now)
    second = s.engine.trigger("job", s.now)
    assert (second.status, second.reason["type"], second.payloads) == (  # type: ignore[index]
        "CANCELED",
        "another-job-run-active",
        0,
    )
    assert first.id in second.reason["message"] and first.status == "PENDING"  # type: ignore[index]


def test_pause_cancels_attempts_without_counting_and_resume_reruns_them() -> None:
    s = Scenario(THREE_ITEMS)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    in_flight = s.running()
    s.engine.pause_job("job", s.now)
    s.step()
    assert job_run.status == "PAUSING"
    assert sorted(s.cancels) == sorted(r.attempt_id for r in in_flight)
    s.exit(in_flight[0], None)
    s.step()
    assert job_run.status == "PAUSING"
    s.succeed(in_flight[1])  # a result that races the cancel is not counted
    s.step()
    assert job_run.status == "PAUSED"  # type: ignore[comparison-overlap]
    assert all(r.attempts == 0 and r.status == "PENDING" for r in job_run.runs.values())
    s.step(60_000)
    assert s.running() == []
    with pytest.raises(EngineError, match="paused"):
        s.engine.trigger("job", s.now)
    s.engine.resume_job("job", s.now)
    assert job_run.status == "RESUMING"
    s.step()
    assert job_run.status == "PENDING"
    assert [(r.api_name, r.attempt_number) for r in s.running()] == [("a", 1), ("b", 1)]


def test_pause_without_attempts_in_flight_is_immediate() -> None:
    s = Scenario(max_workers=0)
    job_run = s.engine.trigger("job", s.now)
    s.engine.pause_job("job", s.now)
    assert job_run.status == "PAUSED"


def test_pause_gives_up_waiting_for_attempts_that_never_exit() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.engine.pause_job("job", s.now)
    s.step(30_000)
    assert job_run.status == "PAUSED"


def test_terminate_stops_in_flight_and_remaining_runs() -> None:
    s = Scenario(THREE_ITEMS)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    in_flight = s.running()
    s.engine.terminate(job_run.id, s.now)
    s.step()
    assert (job_run.status, job_run.reason["type"]) == ("TERMINATED", "user-request")  # type: ignore[index]
    assert sorted(s.cancels) == sorted(r.attempt_id for r in in_flight)
    assert [line["apiInfo"]["reason"]["type"] for line in s.results] == ["job-run-terminated"] * 3
    s.succeed(in_flight[0])  # late result is ignored
    s.step()
    assert job_run.successful_runs == 0 and len(s.results) == 3


def test_deleting_a_job_terminates_its_active_jobrun() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    s.engine.delete_job("job", s.now)
    output = s.step()
    assert (job_run.status, job_run.reason["type"]) == ("TERMINATED", "terminated")  # type: ignore[index]
    assert output.changes.deleted_jobs == ["job"]


def test_a_jobrun_level_error_is_a_failure() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.engine.fail(
        job_run.id,
        {"code": "internal-server-error", "category": "infrastructure", "message": "no browser"},
        s.now,
    )
    s.step()
    assert (job_run.status, job_run.error["code"]) == ("FAILURE", "internal-server-error")  # type: ignore[index]
    assert s.results[0]["apiInfo"]["reason"]["type"] == "job-run-terminated"


def test_the_global_worker_cap_applies_across_jobruns() -> None:
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], configuration: {maxConcurrentRequests: 3}}',
        max_workers=2,
    )
    s.engine.put_job("other", definition('{payload: [{api: "x"}]}'), s.now)
    s.engine.trigger("job", s.now)
    s.engine.trigger("other", s.now)
    s.step()
    assert [r.api_name for r in s.running()] == ["a", "b"]


def test_the_configuration_is_snapshotted_at_creation() -> None:
    s = Scenario('{payload: [{api: "a"}], configuration: {retry: {maximumAttempts: 2}}}')
    job_run = s.engine.trigger("job", s.now)
    s.engine.put_job(
        "job",
        definition('{payload: [{api: "z"}], configuration: {retry: {maximumAttempts: 9}}}'),
        s.now,
    )
    s.step()
    assert job_run.snapshot["configuration"]["retry"]["maximumAttempts"] == 2
    assert [r.api_name for r in s.running()] == ["a"]


def test_unknown_jobs_and_jobruns_are_command_errors() -> None:
    s = Scenario()
    with pytest.raises(EngineError):
        s.engine.trigger("nope", s.now)
    with pytest.raises(EngineError):
        s.engine.terminate("jr_nope", s.now)


def test_finished_jobruns_beyond_the_history_limit_are_pruned() -> None:
    s = Scenario(history_limit=2)
    ids = []
    for _ in range(4):
        job_run = s.engine.trigger("job", s.now)
        ids.append(job_run.id)
        s.step()
        s.succeed(s.running()[0])
        s.step(1)
    pruned = [j.id for o in s.outputs for j in o.changes.pruned_job_runs]
    assert pruned == ids[:2]
    assert set(s.engine.job_runs) == set(ids[2:])


SCHEDULED = '{payload: [{api: "a"}], schedule: {intervals: [{every: "1m"}]}}'


def test_a_schedule_tick_creates_a_jobrun_with_a_deterministic_id() -> None:
    s = Scenario(SCHEDULED)
    tick = (s.now // 60_000 + 1) * 60_000
    assert s.engine.next_wakeup() == tick
    s.step(tick - s.now)
    job_run = s.engine.job_runs[scheduled_job_run_id("job", tick)]
    assert (job_run.type, job_run.scheduled_time) == ("SCHEDULED", tick)
    s.step(60_000)  # next tick while the first JobRun is still active
    overlapped = s.engine.job_runs[scheduled_job_run_id("job", tick + 60_000)]
    assert overlapped.status == "CANCELED"


def test_a_paused_job_does_not_fire_and_resume_does_not_catch_up_the_pause() -> None:
    s = Scenario(SCHEDULED)
    s.engine.pause_job("job", s.now)
    s.step(600_000)
    assert s.engine.job_runs == {}
    s.engine.resume_job("job", s.now)
    s.step()
    assert s.engine.job_runs == {}
    s.step(60_000)
    assert len(s.engine.job_runs) == 1


def test_canceled_overlap_records_count_towards_the_history_limit() -> None:
    s = Scenario(history_limit=3)
    active = s.engine.trigger("job", s.now)
    for _ in range(10):
        s.engine.trigger("job", s.now)
    finished = [j for j in s.engine.job_runs.values() if not j.active]
    assert len(finished) == 3 and active.id in s.engine.job_runs


def test_canceled_records_are_pruned_before_a_jobrun_that_ran() -> None:
    s = Scenario(history_limit=3)
    ran = s.engine.trigger("job", s.now)
    s.step()
    for _ in range(3):
        s.engine.trigger("job", s.now)  # overlapping: CANCELED at once
    s.succeed(s.running()[0])
    s.step(1)
    second = s.engine.trigger("job", s.now)
    for _ in range(200):
        s.engine.trigger("job", s.now)
    assert ran.status == "COMPLETED" and ran.id in s.engine.job_runs
    assert second.active and second.id in s.engine.job_runs
    assert len([j for j in s.engine.job_runs.values() if not j.active]) == 3


def test_an_attempt_whose_auth_session_expired_runs_again_without_using_an_attempt() -> None:
    s = Scenario('{payload: [{api: "a"}], configuration: {retry: {maximumAttempts: 2}}}')
    job_run = s.engine.trigger("job", s.now)
    for _ in range(3):  # the session expired under each of these: not the automation's failure
        s.step()
        s.fail(s.running()[0], category="auth", code="auth-session-expired")
    s.step()
    (run,) = job_run.runs.values()
    assert (run.status, run.attempts) == ("RUNNING", 0)
    s.fail(s.running()[0], category="auth", code="auth-session-expired")  # now it counts
    s.step()
    s.fail(s.running()[0], category="auth", code="auth-session-expired")
    s.step()
    assert (run.status, run.attempts, job_run.failed_runs) == ("FAILED", 2, 1)


def test_the_timeout_runs_from_when_the_attempt_really_starts() -> None:
    from controller.engine import AttemptStarted

    s = Scenario('{payload: [{api: "a"}], configuration: {requestTimeout: 10}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    request = s.running()[0]
    s.step(8_000)  # the worker is still starting its browser
    s.engine.handle(AttemptStarted(request.attempt_id), s.now)
    s.step(9_000)
    assert request.attempt_id not in s.cancels
    s.step(1_000)
    assert (
        request.attempt_id in s.cancels
        and job_run.runs[request.run_id].error["code"] == "script-timeout"  # type: ignore[index]
    )


def test_terminating_chosen_runs_ends_them_and_the_jobrun_goes_on_with_the_others() -> None:
    s = Scenario(THREE_ITEMS)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    running_a, running_b = s.running()
    waiting_c = next(r for r in job_run.runs.values() if r.api_name == "c")
    ended = s.engine.terminate_runs(job_run.id, [running_b.run_id, waiting_c.id, "nope"], s.now)
    s.step()
    assert ended == 2
    assert s.cancels == [running_b.attempt_id]
    assert [(line["apiInfo"]["name"], line["apiInfo"]["reason"]["type"]) for line in s.results] == [
        ("b", "cancelled-user-action"),
        ("c", "cancelled-user-action"),
    ]
    assert job_run.status == "PENDING"  # a goes on
    s.succeed(running_b)  # the cancelled attempt's late result is ignored
    s.succeed(running_a)
    s.step()
    assert (job_run.status, job_run.successful_runs) == ("COMPLETED", 1)
    with pytest.raises(EngineError, match="has ended COMPLETED"):
        s.engine.terminate_runs(job_run.id, [running_a.run_id], s.now)


def test_terminating_every_run_left_of_a_paused_jobrun_completes_it() -> None:
    s = Scenario(THREE_ITEMS)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    in_flight = s.running()
    s.engine.pause_job("job", s.now)
    for request in in_flight:
        s.exit(request, None)  # the cancelled attempts exit
    s.step()
    assert (job_run.status, job_run.pending_count) == ("PAUSED", 3)
    assert s.engine.terminate_runs(job_run.id, list(job_run.runs), s.now) == 3
    s.step()
    assert job_run.status == "COMPLETED" and len(s.results) == 3
