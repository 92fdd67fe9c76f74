"""``jobctl operator`` on the real control plane: Jobs become JobRuns, attempts run as Pods
through the kubelet harness with real Chromium, and statuses come back onto the resources."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client

from controller.engine.ids import scheduled_job_run_id
from controller.operator.status import kube_job_run_name
from controller.vocabulary import GROUP, VERSION
from tests.support.waiting import wait_for

from ._kube import JOBCTL, ROOT, apply, objects, status_of


@pytest.fixture(scope="module")
def operator_flags() -> list[str]:
    return ["--scan-cluster"]  # the liveness test needs kopf to notice a CRD going away


def test_a_jobrun_in_pod_mode_runs_a_pod_per_attempt_with_chromium_and_completes(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    category = site + "catalogue/category/poetry/index.html"
    apply(
        api,
        namespace,
        "Job",
        "poetry",
        {
            "payload": [{"apiName": "scrape-category", "parameters": {"url": category}}],
            "configuration": {"maxConcurrentRequests": 3},
            "worker": {"mode": "pod"},  # the operator's default is pool
        },
    )
    apply(api, namespace, "JobRun", "poetry-now", {"jobRef": {"name": "poetry"}})
    custom = client.CustomObjectsApi(api)

    core = client.CoreV1Api(api)
    seen: dict[str, Any] = {}

    def pods() -> list[Any]:
        found = core.list_namespaced_pod(namespace, label_selector="intuned.io/jobrun=poetry-now")
        seen.update((pod.metadata.name, pod) for pod in found.items)
        return list(found.items)

    def finished() -> dict[str, Any] | None:
        pods()
        status = (
            custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, "jobruns", "poetry-now"
            ).get("status")
            or {}
        )
        return status if status.get("status") == "COMPLETED" else None

    status = wait_for(finished, 180, "the JobRun to complete")
    assert status["payloads"] > 1 and status["successfulRuns"] == status["payloads"]
    assert (status["failedRuns"], status["pendingRuns"], status["runningRuns"]) == (0, 0, 0)
    assert seen, "no attempt Pod was ever seen"
    wait_for(lambda: not pods(), 30, "the succeeded Pods to be removed")
    pod = next(iter(seen.values()))
    spec = pod.spec
    assert spec.restart_policy == "Never" and spec.automount_service_account_token is False
    assert spec.containers[0].security_context.run_as_non_root is True
    assert pod.metadata.owner_references[0].kind == "JobRun"
    job = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "poetry")
    ready = {c["type"]: c["status"] for c in job["status"]["conditions"]}
    assert ready == {
        "Ready": "True",
        "SpecError": "False",
        "Stalled": "False",
        "Suspended": "False",
    }
    run_conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert run_conditions == {"Ready": "True", "Reconciling": "False", "Stalled": "False"}
    assert job["status"]["lastJobRun"]["name"] == "poetry-now"
    assert len(str(status)) < 16 * 1024
    with_results = wait_for(
        lambda: custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, "jobruns", "poetry-now"
        )["status"].get("results"),
        30,
        "the results reference",
    )
    assert with_results["key"].endswith(".jsonl")
    events = (
        client.CoreV1Api(api)
        .list_namespaced_event(namespace, field_selector="involvedObject.name=poetry-now")
        .items
    )
    assert {"Pending", "Completed"} <= {e.reason for e in events}


def test_scheduled_jobruns_have_deterministic_names_and_suspend_and_resume_work(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    apply(
        api,
        namespace,
        "Job",
        "ticker",
        {
            "payload": [
                {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
            ],
            "schedule": {"intervals": [{"every": "4s"}]},
        },
    )
    scheduled = wait_for(
        lambda: (
            [
                r
                for r in objects(api, namespace, "jobruns")
                if r["spec"]["jobRef"]["name"] == "ticker" and r["spec"].get("type") == "SCHEDULED"
            ]
            or None
        ),
        60,
        "a scheduled JobRun",
    )
    for job_run in scheduled:
        tick = datetime.datetime.fromisoformat(
            job_run["spec"]["scheduledTime"].replace("Z", "+00:00")
        )
        expected = kube_job_run_name(scheduled_job_run_id("ticker", int(tick.timestamp() * 1000)))
        assert job_run["metadata"]["name"] == expected

    custom = client.CustomObjectsApi(api)
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, "jobs", "ticker", {"spec": {"suspend": True}}
    )

    def suspended() -> bool:
        status = (
            custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "ticker").get(
                "status"
            )
            or {}
        )
        return any(
            c["type"] == "Suspended" and c["status"] == "True" for c in status.get("conditions", [])
        )

    wait_for(suspended, 30, "the Suspended condition")
    time.sleep(1)
    before = {r["metadata"]["name"] for r in objects(api, namespace, "jobruns")}
    time.sleep(9)
    after = {r["metadata"]["name"] for r in objects(api, namespace, "jobruns")}
    assert after == before, "a suspended Job made new JobRuns"

    custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, "jobs", "ticker", {"spec": {"suspend": False}}
    )
    wait_for(
        lambda: {r["metadata"]["name"] for r in objects(api, namespace, "jobruns")} - after,
        30,
        "a scheduled JobRun after resuming",
    )
    assert not suspended()
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, "jobs", "ticker", {"spec": {"suspend": True}}
    )


def test_terminating_a_jobrun_stops_it(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    items = [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}] * 30
    apply(
        api,
        namespace,
        "Job",
        "long",
        {"payload": items, "configuration": {"maxConcurrentRequests": 1}},
    )
    apply(api, namespace, "JobRun", "long-1", {"jobRef": {"name": "long"}})
    custom = client.CustomObjectsApi(api)

    def status() -> dict[str, Any]:
        return (
            custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobruns", "long-1").get(
                "status"
            )
            or {}
        )

    wait_for(lambda: status().get("status") == "PENDING", 60, "the JobRun to start")
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, "jobruns", "long-1", {"spec": {"terminate": True}}
    )
    final = wait_for(
        lambda: status() if status().get("status") == "TERMINATED" else None, 60, "TERMINATED"
    )
    assert final["reason"]["type"] == "user-request"
    assert final["successfulRuns"] < 30


def test_an_operator_killed_mid_run_resumes_with_nothing_lost_and_no_duplicate(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    items = [
        {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1, "n": n}}
        for n in range(10)
    ]
    apply(
        api,
        namespace,
        "Job",
        "survivor",
        {"payload": items, "configuration": {"maxConcurrentRequests": 2}},
    )
    apply(api, namespace, "JobRun", "survivor-1", {"jobRef": {"name": "survivor"}})
    custom = client.CustomObjectsApi(api)

    def status() -> dict[str, Any]:
        return (
            custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, "jobruns", "survivor-1"
            ).get("status")
            or {}
        )

    wait_for(lambda: status().get("successfulRuns", 0) >= 3, 120, "three Runs")
    process = operator["running"]["process"]
    process.kill()  # SIGKILL, attempts in flight
    process.wait()
    operator["running"]["process"] = operator["start"]()
    final = wait_for(
        lambda: status() if status().get("status") == "COMPLETED" else None,
        180,
        "completion after the restart",
    )
    assert (final["payloads"], final["successfulRuns"], final["failedRuns"]) == (10, 10, 0)
    runs = [
        r for r in objects(api, namespace, "jobruns") if r["spec"]["jobRef"]["name"] == "survivor"
    ]
    assert [r["metadata"]["name"] for r in runs] == ["survivor-1"]
    lines = (operator["state"] / "results" / "survivor" / "survivor-1.jsonl").read_text()
    run_ids = [json.loads(line)["apiInfo"]["runId"] for line in lines.splitlines()]
    assert len(run_ids) == len(set(run_ids)) == 10  # every Run once: nothing lost, no duplicate


def test_of_two_peered_operators_only_one_acts(
    api: client.ApiClient,
    cluster: Path,
    namespace: str,
    operator,
    site: str,
    tmp_path: Path,
) -> None:
    second_log = tmp_path / "second.log"
    with second_log.open("wb") as out:
        second = subprocess.Popen(
            [
                str(JOBCTL),
                "operator",
                "--kubeconfig",
                str(cluster),
                "--namespace",
                namespace,
                "--state",
                str(tmp_path / "state"),
                "--callback-listen",
                "127.0.0.1:0",
                "--project",
                str(ROOT / "examples" / "bookstore"),
                "--verbose",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        logs = (operator["log"], second_log)
        wait_for(
            lambda: "another replica is active" in second_log.read_text(),
            60,
            "the second operator to wait for the Lease",
        )
        apply(
            api,
            namespace,
            "Job",
            "peered",
            {
                "payload": [
                    {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
                ]
            },
        )
        apply(api, namespace, "JobRun", "peered-1", {"jobRef": {"name": "peered"}})
        custom = client.CustomObjectsApi(api)
        wait_for(
            lambda: (
                (
                    custom.get_namespaced_custom_object(
                        GROUP, VERSION, namespace, "jobruns", "peered-1"
                    ).get("status")
                    or {}
                ).get("status")
                == "COMPLETED"
            ),
            120,
            "the JobRun",
        )
        acted = [p for p in logs if "peered-1: created" in p.read_text()]
        assert len(acted) == 1, "both operators (or none) created the JobRun"
    finally:
        second.terminate()
        second.wait(30)


def test_worker_settings_reach_pods_and_deleting_a_job_removes_its_jobruns_and_pods(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    items = [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}] * 20
    apply(
        api,
        namespace,
        "Job",
        "doomed",
        {
            "payload": items,
            "configuration": {"maxConcurrentRequests": 1},
            "worker": {
                "image": "example.com/custom-worker:1",
                "mode": "pod",
                "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}},
            },
        },
    )
    apply(api, namespace, "JobRun", "doomed-1", {"jobRef": {"name": "doomed"}})
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    selector = "intuned.io/job=doomed"
    pod = wait_for(
        lambda: next(
            iter(core.list_namespaced_pod(namespace, label_selector=selector).items), None
        ),
        60,
        "a Pod",
    )
    container = pod.spec.containers[0]
    assert container.image == "example.com/custom-worker:1"
    assert container.resources.requests == {"cpu": "100m", "memory": "256Mi"}

    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "doomed")
    wait_for(
        lambda: (
            not [
                r
                for r in objects(api, namespace, "jobruns")
                if r["spec"]["jobRef"]["name"] == "doomed"
            ]
        ),
        60,
        "JobRuns removed",
    )
    wait_for(
        lambda: not core.list_namespaced_pod(namespace, label_selector=selector).items,
        60,
        "Pods removed",
    )
    wait_for(
        lambda: "doomed" not in {j["metadata"]["name"] for j in objects(api, namespace, "jobs")},
        60,
        "the Job gone (finalizer released)",
    )


def test_the_rest_api_reads_and_runs_jobs_but_leaves_editing_them_to_the_resources(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    apply(
        api,
        namespace,
        "Job",
        "via-api",
        {"payload": [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}]},
    )
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    job = wait_for(
        lambda: (
            httpx.get(f"{base}/jobs/via-api").json()
            if httpx.get(f"{base}/jobs/via-api").status_code == 200
            else None
        ),
        30,
        "the Job in the API",
    )
    assert job["source"] == "API" and job["payload"][0]["apiName"] == "flaky"
    refused = httpx.post(f"{base}/jobs", json={"id": "new", "payload": [{"apiName": "a"}]})
    assert refused.status_code == 409 and "Kubernetes resources" in refused.text
    assert httpx.delete(f"{base}/jobs/via-api").status_code == 409

    assert httpx.post(f"{base}/jobs/via-api/pause").status_code == 200
    custom = client.CustomObjectsApi(api)
    wait_for(
        lambda: (
            custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "via-api")[
                "spec"
            ].get("suspend")
            is True
        ),
        30,
        "spec.suspend written back",
    )
    assert httpx.post(f"{base}/jobs/via-api/resume").status_code == 200
    triggered = httpx.post(f"{base}/jobs/via-api/trigger")
    assert triggered.status_code in (200, 201), triggered.text
    job_run_id = triggered.json()["jobRunId"]
    name = kube_job_run_name(job_run_id)
    wait_for(
        lambda: status_of(api, namespace, "jobruns", name).get("status") == "COMPLETED",
        120,
        "the triggered JobRun's resource to complete",
    )
    metrics = httpx.get(f"{operator['api']}/metrics").text
    assert "jobctl_" in metrics


def test_liveness_fails_while_a_watch_stream_is_gone(operator, kubectl) -> None:
    """Runs last in this module: it removes the AuthSession CRD (and so, as the operator scans
    the cluster's CRDs with ``--scan-cluster``, its watcher) for a while."""

    def health() -> int:
        try:
            return httpx.get(operator["liveness"], timeout=10).status_code
        except httpx.TransportError:
            return 0

    wait_for(lambda: health() == 200, 30, "a healthy operator")
    crd = ROOT / "crds" / "intuned.io_authsessions.yaml"
    assert kubectl("delete", "-f", str(crd), "--wait=true").returncode == 0
    try:
        wait_for(lambda: health() == 500, 150, "the liveness probe to fail")
        assert "the watch of authsessions has stopped" in operator["log"].read_text()
    finally:
        assert kubectl("apply", "-f", str(crd)).returncode == 0
    # kopf starts the watcher again when its scan of the cluster finds the CRD back: allow it
    # time on a loaded machine (once seen to take over 60 s)
    wait_for(lambda: health() == 200, 150, "the probe to pass once the watch is back")


def test_an_operator_for_a_namespace_that_does_not_exist_says_so(
    cluster: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            str(JOBCTL),
            "operator",
            "--kubeconfig",
            str(cluster),
            "--namespace",
            "no-such-ns",
            "--state",
            str(tmp_path / "state"),
            "--callback-listen",
            "127.0.0.1:0",
            "--project",
            str(ROOT / "examples" / "bookstore"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "namespace 'no-such-ns' does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_job_with_a_large_spec_can_be_changed_and_deleted(
    api: client.ApiClient, namespace: str, operator, kubectl
) -> None:
    """kopf's diff base copied the spec into an annotation: past 256 KiB (128 KiB with
    ``kubectl apply``'s own copy) every patch was a 422 and the Job could never be deleted."""
    payload = [{"apiName": "flaky", "parameters": {"n": n, "pad": "x" * 200}} for n in range(800)]
    spec: dict[str, Any] = {"payload": payload, "suspend": True}
    manifest = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Job",
        "metadata": {"name": "large", "namespace": namespace},
        "spec": spec,
    }
    applied = kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    assert applied.returncode == 0, applied.stderr
    wait_for(lambda: status_of(api, namespace, "jobs", "large").get("conditions"), 60, "a status")
    spec["suspendNote"] = "changed"
    changed = kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    assert changed.returncode == 0, changed.stderr
    wait_for(lambda: operator_job_note(operator, namespace) == "changed", 60, "the change applied")
    custom = client.CustomObjectsApi(api)
    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "large")
    wait_for(
        lambda: "large" not in {j["metadata"]["name"] for j in objects(api, namespace, "jobs")},
        60,
        "the large Job gone (finalizer released)",
    )


def operator_job_note(operator, namespace: str) -> str | None:
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    reason = httpx.get(f"{base}/jobs/large", timeout=10).json().get("reason") or {}
    return "changed" if "changed" in str(reason.get("message")) else None
