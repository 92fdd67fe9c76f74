"""Direct JobRuns (a Run of the REST API's Run API, an AuthSession operation): a one-off JobRun
of its own one-off Job, which runs like any other and takes its Job with it when it ends."""

from __future__ import annotations

from controller.engine import AttemptAuthFailed, direct_kind
from controller.vocabulary import reason

from .harness import Scenario, definition

ONE = '{payload: [{api: "a"}], configuration: {retry: {maximumAttempts: 2}, maxRuns: 1}}'
WITH_SESSION = '{payload: [{api: "a"}], auth_session: {id: "member", autoRecreate: false}}'


def test_a_direct_jobrun_runs_alongside_the_jobs_jobrun_and_its_job_ends_with_it() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    direct = s.engine.start_direct("run", definition(ONE), s.now)
    assert direct_kind(direct.job_id) == "run" and direct.job_id == f"run.{direct.id}"
    s.step()
    assert {r.job_run_id for r in s.running()} == {job_run.id, direct.id}
    request = next(r for r in s.running() if r.job_run_id == direct.id)
    s.fail(request)  # retried as any Run is
    s.step()
    s.succeed(next(r for r in s.running() if r.job_run_id == direct.id), {"title": "x"})
    output = s.step()
    assert direct.status == "COMPLETED" and direct.successful_runs == 1
    assert direct.job_id not in s.engine.jobs
    assert output.changes.deleted_jobs == [direct.job_id]  # the store drops its document too
    assert "job" in s.engine.jobs and job_run.status == "PENDING"


def test_direct_jobruns_are_kept_history_limit_in_all_not_per_one_off_job() -> None:
    s = Scenario(history_limit=2)
    ended = []
    for _ in range(3):
        direct = s.engine.start_direct("validate", definition(ONE), s.now)
        s.step()
        s.succeed(next(r for r in s.running() if r.job_run_id == direct.id))
        s.step(1)
        ended.append(direct.id)
    assert [j.id for j in s.engine.job_runs.values()] == ended[1:]


def test_an_auth_failure_fails_a_direct_run_instead_of_pausing_a_job_nobody_can_resume() -> None:
    s = Scenario()
    direct = s.engine.start_direct("validate", definition(WITH_SESSION), s.now)
    s.step()
    (request,) = s.running()
    assert request.auth_recreate is False
    why = reason("auth-session-invalid-mid-job", "AuthSession 'member' failed its check")
    s.engine.handle(AttemptAuthFailed(request.attempt_id, why), s.now)
    s.step()
    assert direct.status == "COMPLETED" and direct.failed_runs == 1
    (line,) = s.results
    assert line["apiInfo"]["error"] == {
        "code": "auth-check-failed",
        "category": "auth",
        "message": "AuthSession 'member' failed its check",
    }


def test_no_person_can_name_a_direct_jobs_id() -> None:
    assert direct_kind("run.jr_1") == "run"
    assert direct_kind("my-job") is None
    assert direct_kind("other.jr_1") is None
