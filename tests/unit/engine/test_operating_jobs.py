"""Operating Jobs, on a fake clock: pause with a note, pause on failure, rerun chosen items,
backfill a range of ticks one JobRun at a time, and why pending Runs wait."""

from __future__ import annotations

import pytest

from controller.engine import (
    BACKFILL_MAX_TICKS,
    AttemptStarted,
    EngineError,
    Rerun,
)
from controller.engine.ids import scheduled_job_run_id
from controller.spec import PayloadItem

from .harness import Scenario

MINUTE = 60_000
EVERY_MINUTE = '{payload: [{api: "a"}], schedule: {intervals: [{every: "1m"}]}}'


def test_a_pause_keeps_its_note_until_the_job_is_resumed() -> None:
    s = Scenario('{payload: [{api: "a"}]}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.engine.pause_job("job", s.now, note="the site is down for maintenance")
    job = s.engine.jobs["job"]
    assert (job.paused, job.pause_note) == (True, "the site is down for maintenance")
    assert job_run.reason is not None
    assert "the site is down for maintenance" in job_run.reason["message"]
    assert s.step().changes.jobs == [job]  # stored
    s.engine.resume_job("job", s.now)
    assert (job.paused, job.pause_note) == (False, None)


@pytest.mark.parametrize(
    ("outcome", "pauses"), [("fail", True), ("succeed", False)], ids=["failed-runs", "all-ok"]
)
def test_pause_on_failure_pauses_the_job_when_a_jobrun_ends_with_failed_runs(
    outcome: str, pauses: bool
) -> None:
    s = Scenario(
        '{payload: [{api: "a", retry: {maximumAttempts: 1}}, {api: "b"}], '
        "configuration: {pauseOnFailure: true}}"
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    first, second = s.running()
    getattr(s, outcome)(first)
    s.succeed(second)
    s.step()
    job = s.engine.jobs["job"]
    assert job_run.status == "COMPLETED" and job.paused is pauses
    if pauses:
        assert f"JobRun {job_run.id} ended COMPLETED with 1 failed Run" in (job.pause_note or "")


def test_without_pause_on_failure_a_failed_run_leaves_the_job_active() -> None:
    s = Scenario('{payload: [{api: "a", retry: {maximumAttempts: 1}}]}')
    s.engine.trigger("job", s.now)
    s.step()
    s.fail(s.running()[0])
    s.step()
    assert s.engine.jobs["job"].paused is False


def test_a_rerun_runs_exactly_the_chosen_items_and_names_its_origin() -> None:
    s = Scenario('{payload: [{api: "a"}, {api: "b"}, {api: "c"}]}')
    origin = s.engine.trigger("job", s.now)
    s.step()
    for request in s.running():
        s.succeed(request)
    s.step()
    items = [PayloadItem.model_validate({"apiName": "b", "parameters": {"n": 2}})]
    rerun = s.engine.trigger("job", s.now, rerun=Rerun(origin.id, ["ru_b"], items))
    s.step()
    assert (rerun.type, rerun.payloads) == ("MANUAL", 1)
    assert rerun.rerun_of == {"jobRunId": origin.id, "runIds": ["ru_b"]}
    (request,) = s.running()
    assert (request.api_name, request.parameters, request.job_run_id) == ("b", {"n": 2}, rerun.id)


def test_a_rerun_while_the_job_has_an_active_jobrun_is_canceled_like_any_trigger() -> None:
    s = Scenario('{payload: [{api: "a"}]}')
    active = s.engine.trigger("job", s.now)
    items = [PayloadItem.model_validate({"apiName": "a"})]
    rerun = s.engine.trigger("job", s.now, rerun=Rerun(active.id, ["ru_a"], items))
    assert rerun.status == "CANCELED" and rerun.reason is not None
    assert rerun.reason["type"] == "another-job-run-active"


def test_a_backfill_runs_its_ticks_one_after_another_and_a_repeat_creates_nothing() -> None:
    s = Scenario(EVERY_MINUTE)
    s.engine.pause_job("job", s.now)  # no scheduled JobRuns in the way
    s.engine.resume_job("job", s.now)
    start = (s.now // MINUTE - 20) * MINUTE
    plan = s.engine.backfill("job", start, start + 10 * MINUTE)
    assert [t.tick for t in plan] == [start + i * MINUTE for i in range(10)]
    assert {t.state for t in plan} == {"queued"}
    assert [t.job_run_id for t in plan] == [scheduled_job_run_id("job", t.tick) for t in plan]
    ran = []
    for _ in range(10):
        s.step()
        (active,) = [
            r
            for r in s.engine.job_runs.values()
            if r.active and r.scheduled_time in {t.tick for t in plan}
        ]
        ran.append((active.type, active.scheduled_time))
        for request in s.running():
            s.succeed(request)
        s.step()
    assert ran == [("SCHEDULED", t.tick) for t in plan]
    again = s.engine.backfill("job", start, start + 10 * MINUTE)
    assert {t.state for t in again} == {"exists"}
    s.step()
    assert not any(r.active for r in s.engine.job_runs.values())


def test_a_backfill_preview_changes_nothing_and_a_range_too_long_is_refused() -> None:
    s = Scenario(EVERY_MINUTE)
    start = (s.now // MINUTE - 20) * MINUTE
    preview = s.engine.backfill("job", start, start + 3 * MINUTE, dry_run=True)
    assert len(preview) == 3 and not s.engine.jobs["job"].backfill
    with pytest.raises(EngineError, match=f"more than {BACKFILL_MAX_TICKS} ticks"):
        s.engine.backfill("job", start - (BACKFILL_MAX_TICKS + 5) * MINUTE, start)
    with pytest.raises(EngineError, match="no schedule"):
        Scenario().engine.backfill("job", start, start + MINUTE)


def test_a_paused_job_holds_its_backfill_until_resumed() -> None:
    s = Scenario(EVERY_MINUTE)
    start = (s.now // MINUTE - 20) * MINUTE
    s.engine.pause_job("job", s.now, note="later")
    s.engine.backfill("job", start, start + 2 * MINUTE)
    s.step()
    assert not any(r.scheduled_time == start for r in s.engine.job_runs.values())
    s.engine.resume_job("job", s.now)
    s.step()
    assert any(r.scheduled_time == start and r.active for r in s.engine.job_runs.values())


def test_pending_runs_say_what_they_wait_for() -> None:
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], '
        "configuration: {maxConcurrentRequests: 2}}",
        max_workers=2,
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    waiting = s.engine.waiting(job_run.id)
    assert waiting is not None and waiting.reason == "no-worker-ready"  # not started yet
    for request in s.running():
        s.engine.handle(AttemptStarted(request.attempt_id), s.now)
    waiting = s.engine.waiting(job_run.id)
    assert waiting is not None and waiting.reason == "concurrency-limit"
    s.engine.put_job("other", s.engine.jobs["job"].definition, s.now)
    other = s.engine.trigger("other", s.now)
    s.step()
    waiting = s.engine.waiting(other.id)
    assert waiting is not None and (waiting.reason, waiting.position) == ("worker-capacity", 2)
    assert waiting.short() == "worker-capacity (#2)"
    s.engine.pause_job("job", s.now)
    waiting = s.engine.waiting(job_run.id)
    assert waiting is not None and waiting.reason == "paused"


def test_an_auth_session_is_validated_by_one_attempt_while_the_others_wait() -> None:
    s = Scenario('{payload: [{api: "a"}, {api: "b"}], auth_session: {id: "sess"}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    assert len(s.running()) == 1
    waiting = s.engine.waiting(job_run.id)
    assert waiting is not None and waiting.reason == "auth-session-validation"
