"""Operating Jobs through resources on the real control plane: a JobRun with ``spec.rerunOf``
reruns the failed items, ``spec.suspendNote`` says why a Job is suspended, the backfill
annotation runs a range of ticks once, and a JobRun's status says what its Runs wait for."""

from __future__ import annotations

import functools
import time
from typing import Any

import httpx
from kubernetes import client

from controller.engine.ids import scheduled_job_run_id
from controller.operator.status import kube_job_run_name
from controller.vocabulary import BACKFILL_ANNOTATION, GROUP, VERSION
from tests.support.waiting import wait_for

from ._kube import apply, conditions, get, status_of

MINUTE = 60_000


def _ended(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    status = status_of(api, namespace, "jobruns", name)
    return status if status.get("status") in ("COMPLETED", "FAILURE", "CANCELED") else None


def test_a_rerun_resource_runs_the_failed_items_and_statuses_say_why_runs_wait(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    ok = {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
    missing = {"apiName": "no-such-api"}  # a user error: never retried
    payload = [ok, ok, ok, missing, missing]
    apply(
        api,
        namespace,
        "Job",
        "five",
        {"payload": payload, "configuration": {"maxConcurrentRequests": 1}},
    )
    apply(api, namespace, "JobRun", "five-1", {"jobRef": {"name": "five"}})
    waited: set[str] = set()

    def ended() -> dict[str, Any] | None:
        waited.add(status_of(api, namespace, "jobruns", "five-1").get("waitingFor", ""))
        return _ended(api, namespace, "five-1")

    status = wait_for(ended, 180, "the first JobRun to end")
    assert (status["status"], status["successfulRuns"], status["failedRuns"]) == ("COMPLETED", 3, 2)
    assert waited & {"concurrency-limit", "no-worker-ready"}, waited

    rerun = {"jobRef": {"name": "five"}, "rerunOf": {"jobRun": "five-1", "runs": "failed"}}
    apply(api, namespace, "JobRun", "five-rerun", rerun)
    status = wait_for(lambda: _ended(api, namespace, "five-rerun"), 120, "the rerun to end")
    assert (status["payloads"], status["failedRuns"]) == (2, 2)
    assert status["rerunOf"] == {"jobRun": "five-1", "runCount": 2}

    nothing = {"jobRef": {"name": "five"}, "rerunOf": {"jobRun": "no-such-run"}}
    apply(api, namespace, "JobRun", "five-nothing", nothing)
    status = wait_for(lambda: _ended(api, namespace, "five-nothing"), 30, "the refusal")
    assert status["status"] == "CANCELED" and "no-such-run" in status["reason"]["message"]


def test_a_suspend_note_and_a_backfill_annotation_on_job_resources(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    custom = client.CustomObjectsApi(api)
    ok = {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
    start = (int(time.time() * 1000) // MINUTE - 30) * MINUTE
    iso = [
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t / 1000))
        for t in (start, start + 3 * MINUTE)
    ]
    apply(
        api,
        namespace,
        "Job",
        "ticks",
        {"payload": [ok], "schedule": {"intervals": [{"every": "1m"}]}},
    )
    wait_for(lambda: status_of(api, namespace, "jobs", "ticks"), 30, "the Job to be known")
    # annotated once the Job exists: a change of metadata alone, which must be seen too
    patch = {"metadata": {"annotations": {BACKFILL_ANNOTATION: "/".join(iso)}}}
    custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "ticks", patch)
    names = [kube_job_run_name(scheduled_job_run_id("ticks", start + n * MINUTE)) for n in range(3)]
    for name in names:
        status = wait_for(functools.partial(_ended, api, namespace, name), 180, name)
        assert (status["type"], status["status"]) == ("SCHEDULED", "COMPLETED")
    scheduled = [get(api, namespace, "jobruns", name)["spec"]["scheduledTime"] for name in names]
    assert scheduled == [
        time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start / 1000 + 60 * n))
        for n in range(3)
    ]

    note = {"spec": {"suspend": True, "suspendNote": "the site moves on Monday"}}
    custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "ticks", note)

    def suspended() -> dict[str, Any] | None:
        job = get(api, namespace, "jobs", "ticks")
        found = [c for c in job.get("status", {}).get("conditions", []) if c["type"] == "Suspended"]
        return job if found and found[0]["status"] == "True" else None

    job = wait_for(suspended, 30, "the Job to be suspended")
    assert conditions(job)["Suspended"] == "True"
    message = next(c["message"] for c in job["status"]["conditions"] if c["type"] == "Suspended")
    assert message == "the site moves on Monday"
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    listed = httpx.get(f"{base}/jobs/ticks", timeout=10).json()
    assert "the site moves on Monday" in listed["reason"]["message"]
