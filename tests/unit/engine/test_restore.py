"""Restart semantics: what the engine does with state reloaded after a crash."""

from __future__ import annotations

import copy

from controller.engine import (
    AttemptExited,
    AttemptHeartbeat,
    AttemptRequest,
    AttemptResult,
    Engine,
    KnownJob,
)
from controller.engine.ids import scheduled_job_run_id
from controller.engine.transitions import RESTORED_WAIT_MS

from .harness import Scenario, definition


def restarted(s: Scenario, *, at: int, workers_survive: bool = False) -> Engine:
    """The engine after a restart at ``at``; without ``workers_survive`` (local workers die with
    the controller) no attempt is expected back, as the driver says for such a launcher."""
    engine = Engine(new_job_run_id=lambda: "jr_after")
    jobs = [
        KnownJob(j.job_id, j.first_seen, j.last_tick, j.paused, j.pause_note, tuple(j.backfill))
        for j in s.engine.jobs.values()
    ]
    engine.restore(jobs, copy.deepcopy(list(s.engine.job_runs.values())), at)
    for job in s.engine.jobs.values():
        engine.put_job(job.job_id, job.definition, at)
    engine.forget_unknown_jobs(at)
    expected = {r.attempt_id for r in engine.restored_requests()} if workers_survive else set()
    engine.requeue_restored(expected, at)
    return engine


def restarted_with_one_in_flight(
    job: str, *, workers_survive: bool = True
) -> tuple[Engine, AttemptRequest, int]:
    """A one-item Job's attempt in flight at a restart 5 s later: the engine after it, the
    attempt, and when the restart was."""
    s = Scenario(job)
    s.engine.trigger("job", s.now)
    s.step()
    (in_flight,) = s.running()
    restart = s.now + 5_000
    return restarted(s, at=restart, workers_survive=workers_survive), in_flight, restart


def test_an_outcome_that_a_surviving_worker_resends_after_a_restart_counts_once() -> None:
    s = Scenario('{payload: [{api: "a"}, {api: "b"}]}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    first, second = s.running()
    engine = restarted(s, at=s.now + 5_000, workers_survive=True)
    assert [r.attempt_id for r in engine.restored_requests()] == [
        first.attempt_id,
        second.attempt_id,
    ]
    engine.handle(AttemptResult(first.attempt_id, {"done": "while away"}), s.now + 6_000)
    engine.advance(s.now + 6_000)
    output = engine.take_output()
    assert output.effects.starts == []  # neither Run runs again: one ended, one still waits
    (result,) = output.changes.results
    assert result.run_id == first.run_id and '"while away"' in result.line
    assert engine.job_runs[job_run.id].status == "PENDING"


def test_a_restored_run_whose_outcome_never_comes_runs_again_after_the_wait() -> None:
    job = '{payload: [{api: "a", retry: {maximumAttempts: 1}}]}'
    engine, lost, restart = restarted_with_one_in_flight(job)
    engine.advance(restart + RESTORED_WAIT_MS - 1)
    assert engine.take_output().effects.starts == []
    engine.advance(restart + RESTORED_WAIT_MS)
    effects = engine.take_output().effects
    (start,) = effects.starts
    assert start.attempt_number == 1 and start.attempt_id.endswith(".2")
    assert lost.attempt_id in effects.cancels  # should a worker still run it
    engine.handle(AttemptResult(lost.attempt_id, {"too": "late"}), restart + RESTORED_WAIT_MS)
    assert engine.take_output().changes.results == []


def test_a_restored_attempt_that_a_worker_still_runs_waits_for_its_own_timeout() -> None:
    job = '{payload: [{api: "a"}], configuration: {requestTimeout: 600}}'
    engine, running, restart = restarted_with_one_in_flight(job)
    engine.handle(AttemptHeartbeat(running.attempt_id), restart + 1_000)
    engine.advance(restart + RESTORED_WAIT_MS * 3)
    assert engine.take_output().effects.starts == []
    engine.handle(AttemptResult(running.attempt_id, {"ok": 1}), restart + RESTORED_WAIT_MS * 3)
    assert len(engine.take_output().changes.results) == 1


def test_in_flight_attempts_rerun_without_using_retry_budget() -> None:
    s = Scenario('{payload: [{api: "a", retry: {maximumAttempts: 1}}]}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    engine = restarted(s, at=s.now + 5_000)
    engine.advance(s.now + 5_000)
    (start,) = engine.take_output().effects.starts
    assert start.attempt_number == 1 and start.attempt_id.endswith(".2")
    assert engine.job_runs[job_run.id].status == "PENDING"


def test_a_pause_in_progress_completes_on_restart() -> None:
    s = Scenario()
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.engine.pause_job("job", s.now)
    engine = restarted(s, at=s.now)
    assert engine.job_runs[job_run.id].status == "PAUSED"


def test_missed_ticks_catch_up_only_the_latest_within_the_window() -> None:
    s = Scenario(
        '{payload: [{api: "a"}], schedule: {intervals: [{every: "10m"}], catchupWindow: "15m"}}'
    )
    tick = (s.now // 600_000 + 1) * 600_000
    s.step(tick - s.now)
    s.succeed(s.running()[0])
    s.step()
    later = tick + 3_600_000 + 60_000
    engine = restarted(s, at=later)
    engine.advance(later)
    output = engine.take_output()
    created = [j for j in output.changes.job_runs if j.type == "SCHEDULED"]
    assert [j.id for j in created] == [scheduled_job_run_id("job", tick + 3_600_000)]
    assert [t for _, t in output.changes.missed_ticks] == [tick + n * 600_000 for n in range(1, 6)]


def test_a_job_whose_file_disappeared_while_down_is_deleted() -> None:
    s = Scenario()
    s.engine.put_job("gone", definition('{payload: [{api: "a"}]}'), s.now)
    job_run = s.engine.trigger("gone", s.now)
    engine = Engine()
    engine.restore(
        [KnownJob("gone", s.now), KnownJob("job", s.now)], copy.deepcopy([job_run]), s.now
    )
    engine.put_job("job", s.engine.jobs["job"].definition, s.now)
    engine.forget_unknown_jobs(s.now)
    output = engine.take_output()
    assert output.changes.deleted_jobs == ["gone"]
    assert engine.job_runs[job_run.id].status == "TERMINATED"


def test_an_ended_job_run_never_refuses_the_first_trigger_after_a_restart() -> None:
    s = Scenario()
    first = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0])
    s.step()
    assert s.engine.job_runs[first.id].status == "COMPLETED"
    engine = restarted(s, at=s.now)
    second = engine.trigger("job", s.now)
    assert second.status == "PENDING" and second.reason is None


def test_a_job_run_stored_running_with_no_run_left_ends_on_restart() -> None:
    """The store said PENDING but every Run had ended (a crash between the two): the JobRun ends
    COMPLETED at restore, so the trigger that follows runs instead of being refused."""
    s = Scenario()
    first = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0])
    s.step()
    stored = copy.deepcopy(s.engine.job_runs[first.id])
    stored.status, stored.end_time = "PENDING", None
    stored.runs.clear()
    engine = Engine(new_job_run_id=lambda: "jr_after")
    engine.restore([KnownJob("job", s.now)], [stored], s.now)
    engine.put_job("job", s.engine.jobs["job"].definition, s.now)
    assert engine.job_runs[first.id].status == "COMPLETED"
    assert engine.trigger("job", s.now).status == "PENDING"


def test_a_restored_attempt_whose_worker_ends_without_an_outcome_runs_again_uncounted() -> None:
    """Its Pod exited (or was gone) with nothing to resend: the attempt never ran for this
    controller, so the Run runs again at once without using a retry."""
    job = '{payload: [{api: "a", retry: {maximumAttempts: 1}}]}'
    engine, lost, restart = restarted_with_one_in_flight(job)
    engine.handle(AttemptExited(lost.attempt_id, 0), restart + 1_000)
    engine.advance(restart + 1_000)
    (start,) = engine.take_output().effects.starts
    assert start.attempt_number == 1 and start.attempt_id.endswith(".2")


def test_an_interrupted_attempt_stays_in_the_runs_history_numbered_as_its_rerun() -> None:
    """The attempt in flight at a restart is recorded ``interrupted``; it used no attempt, so
    the start after it is attempt 1 again, as its record says."""
    job = '{payload: [{api: "a"}]}'
    engine, interrupted, restart = restarted_with_one_in_flight(job, workers_survive=False)
    engine.advance(restart)
    output = engine.take_output()
    (record,) = output.changes.attempts
    assert (record.attempt_id, record.outcome, record.number) == (
        interrupted.attempt_id,
        "interrupted",
        1,
    )
    (rerun,) = output.effects.starts
    assert (rerun.attempt_number, rerun.attempt_id) != (1, interrupted.attempt_id)
    assert rerun.attempt_number == 1
    engine.handle(AttemptResult(rerun.attempt_id, {"ok": 1}), restart + 1_000)
    (succeeded,) = engine.take_output().changes.attempts
    assert (succeeded.attempt_id, succeeded.number) == (rerun.attempt_id, 1)
