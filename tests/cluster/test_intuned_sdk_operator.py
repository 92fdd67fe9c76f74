"""Intuned's Python SDK against the operator's REST API: every ``jobs`` and ``jobs.runs`` call
on Jobs that are Kubernetes resources; creating, replacing and deleting them through the API is
a clear 409 (they are edited with kubectl or git), as the README says."""

from __future__ import annotations

import json

import httpx
from kubernetes import client

from controller.engine import Identity
from controller.launch.kube import kube_name
from controller.vocabulary import GROUP, VERSION
from tests.support.intuned_sdk import SESSIONS_CALLS, drive
from tests.support.waiting import wait_for

from ._kube import apply


def test_every_sdk_call_works_against_the_operator_on_resource_jobs(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    item = {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
    apply(
        api,
        namespace,
        "Job",
        "sdk-job",
        {"payload": [item, item], "configuration": {"maxConcurrentRequests": 2}},
    )
    apply(
        api,
        namespace,
        "Job",
        "sdk-slow",
        {"payload": [item] * 10, "configuration": {"maxConcurrentRequests": 1}},
    )
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    wait_for(
        lambda: all(
            httpx.get(f"{base}/jobs/{j}").status_code == 200 for j in ("sdk-job", "sdk-slow")
        ),
        30,
        "both Jobs in the API",
    )
    seen = drive(operator["api"], "", "cluster", namespace, "resources")
    project_id = Identity.named("cluster", namespace).project_id
    assert seen["got"] == {"state": "ACTIVE", "project_id": project_id}
    assert {"sdk-job", "sdk-slow"} <= set(seen["listed"])
    assert (seen["paused_state"], seen["pause_messages"]) == ("PAUSED", ["Paused", "Resumed"])
    assert seen["ended"] == [["COMPLETED", 2], ["COMPLETED", 2]]
    assert seen["pages"][0][0] == 2 and seen["terminated"].endswith("TERMINATED")
    assert {"sdk-job", "sdk-slow"} <= set(seen["after_delete"])  # refused: still there
    runs = httpx.get(f"{base}/job-runs/{seen['job_run_ids'][0]}/runs").json()["runs"]
    assert [r["status"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"]  # the operator's store
    one = httpx.get(f"{base}/job-runs/{seen['job_run_ids'][0]}/runs/{runs[0]['id']}").json()
    assert [a["outcome"] for a in one["attempts"]] == ["succeeded"]


def test_the_sdks_auth_sessions_and_runs_services_against_the_operator(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    """AuthSessions are resources here: read through the API, never changed by it (409); a
    direct Run runs in an attempt Pod like any Run, and gets no JobRun resource."""
    apply(api, namespace, "AuthSession", "sdk-member", {"credentials": {"username": "reader"}})
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    wait_for(
        lambda: httpx.get(f"{base}/auth-sessions/sdk-member").status_code == 200,
        30,
        "the AuthSession in the API",
    )
    run = {"api": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
    args = ["resources", "sdk-member", json.dumps(run)]
    seen = drive(operator["api"], "", "cluster", namespace, *args, script=SESSIONS_CALLS)
    assert ["sdk-member", "CREDENTIALS"] in seen["listed"]
    assert seen["file_status"] == "PENDING"
    status, _result, run_id = seen["run"]
    assert status == "completed", seen["run_error"]
    job_runs = client.CustomObjectsApi(api).list_namespaced_custom_object(
        GROUP, VERSION, namespace, "jobruns"
    )
    assert kube_name(run_id) not in {r["metadata"]["name"] for r in job_runs["items"]}
