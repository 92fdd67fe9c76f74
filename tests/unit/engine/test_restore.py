"""Restart semantics: what the engine does with state reloaded after a crash."""

from __future__ import annotations

import copy

from controller.engine import Engine, KnownJob
from controller.engine.ids import scheduled_job_run_id

from .harness import Scenario, definition


def restarted(s: Scenario, *, at: int) -> Engine:
    engine = Engine(new_job_run_id=lambda: "jr_after")
    jobs = [
        KnownJob(j.job_id, j.first_seen, j.last_tick, j.paused, j.pause_note, tuple(j.backfill))
        for j in s.engine.jobs.values()
    ]
    engine.restore(jobs, copy.deepcopy(list(s.engine.job_runs.values())))
    for job in s.engine.jobs.values():
        engine.put_job(job.job_id, job.definition, at)
    engine.forget_unknown_jobs(at)
    return engine


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
    engine.restore([KnownJob("gone", s.now), KnownJob("job", s.now)], copy.deepcopy([job_run]))
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
    engine.restore([KnownJob("job", s.now)], [stored])
    engine.put_job("job", s.engine.jobs["job"].definition, s.now)
    assert engine.job_runs[first.id].status == "COMPLETED"
    assert engine.trigger("job", s.now).status == "PENDING"
