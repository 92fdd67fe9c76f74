"""Every attempt leaves one record when it ends, whatever ended it, with its own links only."""

from __future__ import annotations

from controller.engine import AttemptAuthFailed, AttemptRecord, AttemptResult
from controller.vocabulary import reason

from .harness import Scenario

RETRIED = '{payload: [{api: "a"}], configuration: {retry: {maximumAttempts: 3}, requestTimeout: 5}}'


def records(s: Scenario) -> list[AttemptRecord]:
    return [record for output in s.outputs for record in output.changes.attempts]


def test_a_failed_then_successful_run_has_two_records_in_order_with_their_own_links() -> None:
    s = Scenario(RETRIED)
    s.engine.trigger("job", s.now)
    s.step()
    first = s.running()[0]
    s.step(1_000)
    s.fail(first)
    s.step()
    second = s.running()[0]
    s.engine.handle(
        AttemptResult(second.attempt_id, {"ok": 1}, "file:///t.zip", "file:///l"), s.now
    )
    s.step()
    failed, succeeded = records(s)
    assert (failed.number, failed.outcome) == (1, "failed")
    assert failed.error is not None and failed.error["code"] == "boom"
    assert failed.ended_at - (failed.started_at or 0) == 1_000
    assert (succeeded.number, succeeded.outcome, succeeded.error) == (2, "succeeded", None)
    assert (succeeded.trace_url, succeeded.log_url) == ("file:///t.zip", "file:///l")
    assert succeeded.attempt_id == second.attempt_id and succeeded.run_id == second.run_id


def test_an_exit_a_timeout_and_an_auth_failure_are_recorded_as_such_without_links() -> None:
    s = Scenario(RETRIED)
    s.engine.trigger("job", s.now)
    s.step()
    s.exit(s.running()[0], -9)
    s.step()
    s.step(6_000)  # past requestTimeout
    why = reason("auth-session-invalid-mid-job", "no")
    s.engine.handle(AttemptAuthFailed(s.running()[0].attempt_id, why), s.now)
    s.step()
    outcomes = [(r.outcome, r.error and r.error["code"], r.trace_url) for r in records(s)]
    assert outcomes == [
        ("worker-exited", "worker-exited", None),
        ("timed-out", "script-timeout", None),
        ("auth-failed", "auth-check-failed", None),
    ]


def test_attempts_a_pause_or_a_terminate_stops_are_recorded_cancelled() -> None:
    s = Scenario('{payload: [{api: "a"}, {api: "b"}]}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.engine.pause_job("job", s.now)
    s.step()
    s.engine.resume_job("job", s.now)
    s.step()
    s.engine.terminate(job_run.id, s.now)
    s.step()
    assert [r.outcome for r in records(s)] == ["cancelled"] * 4
    # numbered as each was started: none used an attempt, so each Run's two starts were both
    # its attempt 1 (told so, and recorded so); their IDs tell them apart
    assert [r.number for r in records(s)] == [1, 1, 1, 1]
    assert len({r.attempt_id for r in records(s)}) == 4
