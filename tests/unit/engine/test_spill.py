"""A JobRun of many Runs holds only a window of its pending Runs; the others wait in the store,
loaded as it gets to them, and every Run still runs once, in order, with one results line."""

from __future__ import annotations

import pytest

from controller.engine import spill

from .harness import Scenario

ITEMS = ", ".join(f'{{api: "a", parameters: {{n: {n}}}}}' for n in range(10))
TEN = f"{{payload: [{ITEMS}], configuration: {{maxConcurrentRequests: 2}}}}"


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "PENDING_HELD", 4)


def test_every_run_runs_once_in_order_while_at_most_a_window_is_held() -> None:
    s = Scenario(TEN)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    assert (len(job_run.pending), job_run.spilled, job_run.pending_count) == (2, 6, 8)
    started, most_held = [], 0
    while job_run.active:
        for request in s.running():
            started.append(request.parameters["n"])
            s.succeed(request)
        s.step()
        most_held = max(most_held, len(job_run.runs))
    assert job_run.status == "COMPLETED" and job_run.successful_runs == 10
    assert started == list(range(10)) and len(s.results) == 10
    assert most_held <= 4 + 2


def test_extend_payload_spills_behind_what_is_spilled_already() -> None:
    s = Scenario('{payload: [{api: "seed"}], configuration: {maxConcurrentRequests: 1}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    (seed,) = s.running()
    s.extend(seed, *({"api": "page", "parameters": {"n": n}} for n in range(7)))
    s.succeed(seed)
    s.step()
    assert (len(job_run.pending), len(job_run.running), job_run.spilled) == (3, 1, 3)
    order = []
    while job_run.active:
        for request in s.running():
            order.append(request.parameters["n"])
            s.succeed(request)
        s.step()
    assert order == list(range(7)) and job_run.successful_runs == 8


def test_terminating_with_runs_spilled_ends_every_run_with_a_line_once_they_are_loaded() -> None:
    s = Scenario(TEN)
    job_run = s.engine.trigger("job", s.now)
    s.step()
    s.succeed(s.running()[0])
    s.engine.terminate(job_run.id, s.now)
    assert job_run.stopping is not None and job_run.active  # waits for the spilled Runs
    s.step()  # nothing starts meanwhile
    s.step()
    assert job_run.status == "TERMINATED" and job_run.spilled == 0
    assert len(s.results) == 10 and len({line["apiInfo"]["runId"] for line in s.results}) == 10
    reasons = [line["apiInfo"]["reason"] for line in s.results if line["apiInfo"]["reason"]]
    assert len(reasons) == 9 and {r["type"] for r in reasons} == {"job-run-terminated"}
