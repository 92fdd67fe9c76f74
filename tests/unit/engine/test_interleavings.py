"""Property: whatever happens in whatever order, every Run ends exactly once and counts add up."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.vocabulary import FINAL_RUN

from .harness import Scenario

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "succeed",
                "fail",
                "user-fail",
                "exit",
                "extend",
                "heartbeat",
                "pause",
                "resume",
                "terminate",
                "wait",
                "trigger",
            ]
        ),
        st.integers(0, 10),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
def test_every_run_ends_exactly_once_and_counts_add_up(actions: list[tuple[str, int]]) -> None:
    s = Scenario(
        '{payload: [{api: "a"}, {api: "b"}, {api: "c"}], configuration: {maxConcurrentRequests: 2, requestTimeout: 5, retry: {maximumAttempts: 2}}}'
    )
    s.engine.trigger("job", s.now)
    s.step()
    for action, pick in actions:
        running = s.running()
        target = running[pick % len(running)] if running else None
        if action == "pause":
            s.engine.pause_job("job", s.now)
        elif action == "resume":
            s.engine.resume_job("job", s.now)
        elif action == "terminate":
            for job_run in list(s.engine.job_runs.values()):
                s.engine.terminate(job_run.id, s.now)
        elif action == "trigger" and not s.engine.jobs["job"].paused:
            s.engine.trigger("job", s.now)
        elif action == "wait":
            s.step(pick * 1000)
        elif target is not None and action == "succeed":
            s.succeed(target)
        elif target is not None and action == "fail":
            s.fail(target)
        elif target is not None and action == "user-fail":
            s.fail(target, category="user")
        elif target is not None and action == "exit":
            s.exit(target)
        elif target is not None and action == "extend" and pick < 3:
            s.extend(target, {"api": "more"})
        elif target is not None and action == "heartbeat":
            s.heartbeat(target)
        s.step()
    # drain: resume and let everything finish
    s.engine.resume_job("job", s.now)
    for _ in range(200):
        s.step(100)
        for request in s.running():
            s.succeed(request)
    s.step()
    lines_by_run: dict[str, int] = {}
    for line in s.results:
        run = line["apiInfo"]["runId"]
        lines_by_run[run] = lines_by_run.get(run, 0) + 1
    assert all(count == 1 for count in lines_by_run.values()), "a Run ended twice"
    for job_run in s.engine.job_runs.values():
        assert not job_run.active, job_run.status
        mine = [line for line in s.results if line["projectJobRun"]["id"] == job_run.id]
        assert len(mine) == job_run.payloads
        succeeded = sum(
            1
            for line in mine
            if line["apiInfo"]["error"] is None and line["apiInfo"]["reason"] is None
        )
        failed = sum(
            1
            for line in mine
            if line["apiInfo"]["error"] is not None and line["apiInfo"]["reason"] is None
        )
        assert (job_run.successful_runs, job_run.failed_runs) == (succeeded, failed)
        for run in job_run.runs.values():
            assert run.status in FINAL_RUN
