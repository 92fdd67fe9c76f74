"""JobRun-level failure (attempts that cannot run at all) and the reasons Intuned's model gives:
``user-request`` on a JobRun a person paused, ``job-run-paused`` on the Runs that pause
interrupted, ``job-run-terminated`` on Runs their JobRun's end stopped."""

from __future__ import annotations

from controller.engine.transitions import INFRASTRUCTURE_FAILURES_IN_A_ROW

from .harness import Scenario

ITEMS = ", ".join(f'{{api: "a", parameters: {{n: {n}}}}}' for n in range(40))
MANY = f"{{payload: [{ITEMS}], configuration: {{maxConcurrentRequests: 4}}}}"


def _fail_running(s: Scenario, times: int) -> None:
    for _ in range(times):
        s.exit(s.running()[0], -9)  # a worker crash: infrastructure
        s.step()


def test_infrastructure_failures_in_a_row_end_the_jobrun_failure_with_the_reference_error() -> None:
    s = Scenario(MANY)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    _fail_running(s, INFRASTRUCTURE_FAILURES_IN_A_ROW - 1)
    assert job_run.status == "PENDING"
    _fail_running(s, 1)
    assert job_run.status == "FAILURE"  # type: ignore[comparison-overlap]
    error = job_run.error
    assert error is not None
    assert (error["code"], error["category"], error["retirable"]) == (
        "internal-server-error",
        "infrastructure",
        True,
    )
    assert error["details"]["cause"] == "infrastructure-failures"
    assert error["details"]["lastError"]["code"] == "worker-exited"
    assert error["correlationId"].startswith("ru_")  # the last attempt's ID, to find in logs
    assert len(s.results) == 40  # every Run ended: the unfinished ones stopped with a reason
    stopped = [line["apiInfo"]["reason"] for line in s.results if line["apiInfo"]["reason"]]
    assert {r["type"] for r in stopped} == {"job-run-terminated"} and len(stopped) >= 30


def test_a_success_between_infrastructure_failures_starts_the_count_again() -> None:
    s = Scenario(MANY)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    _fail_running(s, INFRASTRUCTURE_FAILURES_IN_A_ROW - 1)
    s.succeed(s.running()[0])
    s.step()
    _fail_running(s, INFRASTRUCTURE_FAILURES_IN_A_ROW - 1)
    assert job_run.status == "PENDING" and job_run.error is None


def test_a_person_pausing_says_user_request_and_the_interrupted_runs_say_job_run_paused() -> None:
    s = Scenario(MANY)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    in_flight = {r.run_id for r in s.running()}
    s.engine.pause_job("job", s.now)
    s.step(60_000)
    assert job_run.status == "PAUSED"
    assert job_run.reason is not None and job_run.reason["type"] == "user-request"
    reasons = {r.id: (r.reason or {}).get("type") for r in job_run.runs.values()}
    assert {reasons[i] for i in in_flight} == {"job-run-paused"}
    s.engine.resume_job("job", s.now)
    s.step()
    assert job_run.reason is None
    assert all(job_run.runs[r.run_id].reason is None for r in s.running())


def test_a_project_that_cannot_run_any_run_ends_the_jobrun_failure_at_once() -> None:
    s = Scenario(MANY)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    first = s.running()[0]
    s.fail(first, category="user", code="api-folder-missing")
    s.step()
    assert job_run.status == "FAILURE"
    error = job_run.error
    assert error is not None and error["details"]["cause"] == "api-folder-missing"
    assert error["correlationId"] == first.attempt_id
    assert "Fix the project, then trigger it again" in error["message"]
    failed = [line for line in s.results if line["apiInfo"]["error"]]
    assert [line["apiInfo"]["runId"] for line in failed] == [first.run_id]
    assert len(s.results) == 40 and job_run.failed_runs == 1
