"""Which deliveries a pass plans: sink filters, results files and notifications per status."""

from __future__ import annotations

import json

import pytest

from controller.vocabulary import reason

from .harness import Scenario

NOTIFY = 'notifications: [{type: "webhook", url: "https://a.example/n"}, {type: "webhook", url: "https://b.example/n"}]'


def planned(s: Scenario, kind: str | None = None):
    found = [d for output in s.outputs for d in output.changes.deliveries]
    return [d for d in found if kind is None or d.kind == kind]


def finish_all(s: Scenario, fail: frozenset[str] = frozenset()) -> None:
    s.step()
    while s.running():
        for request in s.running():
            if request.api_name in fail:
                s.fail(request, category="user")
            else:
                s.succeed(request)
        s.step()


@pytest.mark.parametrize(
    ("sink", "sent"),
    [
        ('{type: "webhook", url: "https://r.example/"}', ["a", "b", "c"]),
        ('{type: "webhook", url: "https://r.example/", skipOnFail: true}', ["a", "c"]),
        ('{type: "webhook", url: "https://r.example/", apisToSend: ["b", "c"]}', ["b", "c"]),
        ('{type: "webhook", url: "https://r.example/", apisToSend: ["b"], skipOnFail: true}', []),
        (None, []),
    ],
)
def test_sink_deliveries_follow_skip_on_fail_and_apis_to_send(
    sink: str | None, sent: list[str]
) -> None:
    sink_part = f", sink: {sink}" if sink else ""
    s = Scenario(f'{{payload: [{{api: "a"}}, {{api: "b"}}, {{api: "c"}}]{sink_part}}}')
    s.engine.trigger("job", s.now)
    finish_all(s, fail=frozenset({"b"}))
    deliveries = planned(s, "sink")
    assert sorted(json.loads(d.body)["apiInfo"]["name"] for d in deliveries) == sent
    results = {r.run_id: r.line for o in s.outputs for r in o.changes.results}
    assert all(d.body == results[d.run_id] for d in deliveries)  # exactly the results line


def test_a_completed_jobrun_plans_its_results_file_and_one_notification_per_target() -> None:
    s = Scenario(f'{{payload: [{{api: "a"}}], {NOTIFY}}}')
    job_run = s.engine.trigger("job", s.now)
    finish_all(s)
    assert [d.kind for d in planned(s)] == ["results", "notification", "notification"]
    first, second = planned(s, "notification")
    assert (first.target, second.target) == (0, 1)
    assert first.id != second.id and first.id.startswith("msg_")
    assert json.loads(first.body) == {
        "id": job_run.id,
        "projectId": "local",
        "workspaceId": "local",
        "jobId": "job",
        "status": "COMPLETED",
        "summary": {"successfulRuns": 1, "failedRuns": 0, "error": None, "reason": None},
    }


def test_pause_notifies_and_resume_then_termination_notifies_again() -> None:
    s = Scenario(f'{{payload: [{{api: "a"}}, {{api: "b"}}], {NOTIFY}}}')
    job_run = s.engine.trigger("job", s.now)
    s.step()
    in_flight = s.running()
    s.engine.pause_job("job", s.now, why=reason("s3-sink-error", "S3 NoSuchBucket"))
    for request in in_flight:
        s.exit(request, None)  # the cancelled attempts exit
    s.step()
    assert job_run.status == "PAUSED"
    paused = planned(s, "notification")
    assert [json.loads(d.body)["status"] for d in paused] == ["PAUSED", "PAUSED"]
    assert json.loads(paused[0].body)["summary"]["reason"]["type"] == "s3-sink-error"
    assert planned(s, "results") == []  # not final yet

    s.engine.resume_job("job", s.now + 1)
    s.step(1)
    assert job_run.reason is None
    s.engine.terminate(job_run.id, s.now)
    s.step()
    statuses = [json.loads(d.body)["status"] for d in planned(s, "notification")]
    assert statuses == ["PAUSED", "PAUSED", "TERMINATED", "TERMINATED"]
    assert len({d.id for d in planned(s)}) == len(planned(s))
    assert len(planned(s, "results")) == 1


def test_a_jobrun_canceled_because_another_is_active_plans_nothing() -> None:
    s = Scenario(f'{{payload: [{{api: "a"}}], {NOTIFY}}}')
    s.engine.trigger("job", s.now)
    second = s.engine.trigger("job", s.now)
    s.step()
    assert second.status == "CANCELED"
    assert [d for d in planned(s) if d.job_run_id == second.id] == []


def test_sink_delivery_ids_are_stable_per_run() -> None:
    def ids() -> list[str]:
        s = Scenario(
            '{payload: [{api: "a"}, {api: "b"}], sink: {type: "webhook", url: "https://r.example/"}}'
        )
        s.engine.trigger("job", s.now)
        finish_all(s)
        return sorted(d.id for d in planned(s, "sink"))

    assert ids() == ids()
