"""Status projection: counters only, conditions that keep their transition times."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import pytest

from controller.engine import JobRun, iso_ms
from controller.engine.records import Job
from controller.operator.status import job_run_status, job_source, job_status, kube_job_run_name
from tests.unit.engine.harness import definition

NOW = 1_700_000_000_000


def big_job_run() -> JobRun:
    job_run = JobRun(
        id="jr_abc",
        job_id="big",
        type="MANUAL",
        status="PENDING",
        created_at=NOW,
        snapshot={},
        concurrency=5,
        request_timeout_ms=600_000,
        start_time=NOW,
        payloads=10_000,
        successful_runs=6_000,
        failed_runs=10,
    )
    job_run.pending = deque(f"ru_{n}" for n in range(3_985))
    job_run.running = {f"ru_r{n}" for n in range(5)}
    return job_run


def test_a_10000_item_jobrun_status_is_counters_only_and_small() -> None:
    status = job_run_status(big_job_run(), {"key": "big/jr_abc.jsonl", "size": 123})
    assert (
        status["payloads"],
        status["successfulRuns"],
        status["failedRuns"],
        status["pendingRuns"],
        status["runningRuns"],
    ) == (10_000, 6_000, 10, 3_985, 5)
    assert status["results"] == {"key": "big/jr_abc.jsonl", "format": "jsonl", "size": 123}
    assert len(json.dumps(status)) < 1024


def test_conditions_keep_their_transition_time_until_their_status_changes() -> None:
    job = Job("daily", definition('{payload: [{api: "a"}]}'), first_seen=NOW)
    first = job_status(job, [], generation=1, previous=[], source=None, now=NOW)
    later = job_status(
        job, [], generation=2, previous=first["conditions"], source=None, now=NOW + 60_000
    )
    times = {c["type"]: c["lastTransitionTime"] for c in later["conditions"]}
    assert times["Ready"] == "2023-11-14T22:13:20.000Z"
    job.paused = True
    paused = job_status(
        job, [], generation=3, previous=later["conditions"], source=None, now=NOW + 120_000
    )
    suspended = next(c for c in paused["conditions"] if c["type"] == "Suspended")
    assert (suspended["status"], suspended["lastTransitionTime"]) == (
        "True",
        "2023-11-14T22:15:20.000Z",
    )
    assert all(c["observedGeneration"] == 3 for c in paused["conditions"])
    assert "nextScheduleTime" not in paused


def test_active_and_last_jobrun_come_from_the_job_s_jobruns() -> None:
    job = Job("daily", definition('{payload: [{api: "a"}]}'), first_seen=NOW)
    done = big_job_run()
    done.id, done.status, done.end_time = "jr_old", "COMPLETED", NOW + 5
    active = big_job_run()
    active.id, active.created_at = "jr_new", NOW + 10
    status = job_status(job, [active, done], generation=1, previous=[], source=None, now=NOW)
    assert status["active"] == [{"name": "jr-new"}]
    assert status["lastJobRun"]["name"] == "jr-new"
    assert kube_job_run_name("jr_0f") == "jr-0f" and kube_job_run_name("my-run") == "my-run"


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({}, {"kind": "api"}),
        ({"labels": {"intuned.io/source": "api"}}, {"kind": "api"}),
        (
            {
                "labels": {"intuned.io/source": "code"},
                "annotations": {
                    "intuned.io/path": "jobs/a.job.jsonc",
                    "intuned.io/commit": "abc123",
                },
            },
            {"kind": "code", "path": "jobs/a.job.jsonc", "commit": "abc123"},
        ),
    ],
)
def test_the_source_of_a_job_comes_from_its_label_and_annotations(
    metadata: dict[str, Any], expected: dict[str, str]
) -> None:
    assert job_source(metadata).model_dump(exclude_none=True) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("PENDING", {"Ready": "False", "Reconciling": "True", "Stalled": "False"}),
        ("PAUSED", {"Ready": "False", "Reconciling": "True", "Stalled": "False"}),
        ("COMPLETED", {"Ready": "True", "Reconciling": "False", "Stalled": "False"}),
        ("FAILURE", {"Ready": "False", "Reconciling": "False", "Stalled": "True"}),
        ("TERMINATED", {"Ready": "False", "Reconciling": "False", "Stalled": "True"}),
    ],
)
def test_jobrun_conditions_say_running_ready_or_stalled_as_kstatus_reads_them(
    status: str, expected: dict[str, str]
) -> None:
    job_run = big_job_run()
    job_run.status = status  # type: ignore[assignment]
    job_run.end_time = None if job_run.active else NOW + 60_000
    written = job_run_status(job_run, None, generation=3)
    assert {c["type"]: c["status"] for c in written["conditions"]} == expected
    assert written["observedGeneration"] == 3
    assert all(c["observedGeneration"] == 3 for c in written["conditions"])
    since = NOW if job_run.active else NOW + 60_000
    assert {c["lastTransitionTime"] for c in written["conditions"]} == {iso_ms(since)}


def test_a_completed_jobrun_with_failed_runs_is_ready_and_says_how_many_failed() -> None:
    job_run = big_job_run()
    job_run.status, job_run.end_time = "COMPLETED", NOW + 1
    job_run.pending.clear()
    ready = job_run_status(job_run, None)["conditions"][0]
    assert (ready["type"], ready["status"]) == ("Ready", "True")
    assert ready["message"] == "COMPLETED: 6000 succeeded, 10 failed of 10000"


def test_an_invalid_job_is_stalled_so_kstatus_reports_it_failed() -> None:
    job = Job("daily", definition('{payload: [{api: "a"}]}'), first_seen=NOW)
    status = job_status(
        job, [], generation=1, previous=[], source=None, problem="x.job.jsonc:1:2: bad", now=NOW
    )
    conditions = {c["type"]: (c["status"], c["message"]) for c in status["conditions"]}
    assert conditions["Stalled"] == ("True", "x.job.jsonc:1:2: bad")
    assert conditions["Ready"] == ("False", "x.job.jsonc:1:2: bad")
