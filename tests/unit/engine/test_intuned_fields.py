"""Fields Intuned's SDK sends that change how a JobRun runs: a payload item's own
``requestTimeout``, and ``configuration.maxRuns`` capping what ``extend_payload`` may add."""

from __future__ import annotations

from .harness import Scenario


def test_an_item_with_its_own_request_timeout_times_out_on_it_and_the_others_on_the_jobs() -> None:
    s = Scenario(
        '{payload: [{api: "quick", requestTimeout: 2}, {api: "slow"}], '
        "configuration: {requestTimeout: 10}}"
    )
    job_run = s.engine.trigger("job", s.now)
    s.step()
    assert {r.api_name: r.timeout_s for r in s.running()} == {"quick": 2, "slow": 10}
    s.step(2_000)
    runs = {r.api_name: r for r in job_run.runs.values()}
    assert runs["quick"].error is not None and runs["quick"].error["code"] == "script-timeout"
    assert "(2s)" in runs["quick"].error["message"]
    assert runs["slow"].error is None
    assert s.persisted_runs(job_run.id)["quick"].request_timeout_ms == 2_000  # stored with it


def test_extend_payload_stops_at_max_runs_and_says_how_many_it_dropped() -> None:
    s = Scenario('{payload: [{api: "list"}], configuration: {maxRuns: 3}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    (lister,) = s.running()
    s.extend(lister, *({"api": "page", "parameters": {"n": n}} for n in range(5)))
    output = s.step()
    assert job_run.payloads == 3
    assert [r.parameters for r in job_run.runs.values() if r.extended_from] == [{"n": 0}, {"n": 1}]
    assert any("3 extend_payload items dropped" in n for n in output.effects.notices)
    s.extend(lister, *({"api": "page", "parameters": {"n": n}} for n in range(5, 9)))
    output = s.step()
    assert not any("dropped" in n for n in output.effects.notices)  # said once, then counted
    s.succeed(lister)
    for run in s.running():
        s.succeed(run)
    output = s.step()
    ended = [n for n in output.effects.notices if "ended COMPLETED" in n]
    assert ended and "7 extend_payload items dropped at maxRuns" in ended[0]
