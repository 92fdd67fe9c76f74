"""The engine's part of AuthSessions: validate with one attempt first, pause when it fails."""

from __future__ import annotations

from controller.engine import AttemptAuthenticated, AttemptAuthFailed

from .harness import Scenario

JOB = '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], auth_session: {id: "s", checkAttempts: 2, createAttempts: 4}}'


def test_one_attempt_validates_the_session_before_the_others_start() -> None:
    s = Scenario(JOB)
    s.engine.trigger("job", s.now)
    s.step()
    (first,) = s.running()
    assert (first.auth_session, first.auth_check_attempts, first.auth_create_attempts) == (
        "s",
        2,
        4,
    )
    s.engine.handle(AttemptAuthenticated(first.attempt_id), s.now)
    s.step()
    assert [r.api_name for r in s.running()] == ["a", "b", "c"]


def test_a_job_without_a_session_starts_at_full_concurrency() -> None:
    s = Scenario('{payload: [{api: "a"}, {api: "b"}]}')
    s.engine.trigger("job", s.now)
    s.step()
    assert len(s.running()) == 2


def test_auth_failure_pauses_without_using_a_retry_and_resume_revalidates() -> None:
    s = Scenario(JOB)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    (first,) = s.running()
    why = {"type": "auth-session-invalid-mid-job", "message": "bad password"}
    s.engine.handle(AttemptAuthFailed(first.attempt_id, why), s.now)
    s.step()
    assert (job_run.status, job_run.reason) == ("PAUSED", why)
    run = job_run.runs[first.run_id]
    assert (run.status, run.attempts) == ("PENDING", 0)
    assert s.engine.jobs["job"].paused

    s.engine.resume_job("job", s.now)
    s.step()
    assert job_run.reason is None
    (again,) = s.running()  # one attempt validates again, the same Run first
    assert again.run_id == first.run_id and again.attempt_number == 1
    s.succeed(again)
    s.step()
    assert len(s.running()) == 2
