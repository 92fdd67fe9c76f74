"""``jobctl operator`` on the real control plane: Jobs become JobRuns, attempts run as Pods
through the kubelet harness with real Chromium, and statuses come back onto the resources."""

from __future__ import annotations

import datetime
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from controller.engine.ids import scheduled_job_run_id
from controller.operator.status import kube_job_run_name

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parents[2]
JOBCTL = Path(sys.executable).with_name("jobctl")
GROUP, VERSION = "intuned.io", "v1alpha1"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    port = _port()
    process = subprocess.Popen([str(JOBCTL), "demo-site", "--port", str(port), "--root",
                                str(ROOT / "examples" / "bookstore" / "site")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1)
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def namespace(api: client.ApiClient) -> str:
    name = f"ops-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    return name


@pytest.fixture(scope="module")
def operator(cluster: Path, namespace: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    state = tmp_path_factory.mktemp("operator")
    log = state / "operator.log"
    args = [str(JOBCTL), "operator", "--kubeconfig", str(cluster), "--namespace", namespace,
            "--state", str(state / "state"), "--callback-listen", "127.0.0.1:0",
            "--project", str(ROOT / "examples" / "bookstore"), "--max-workers", "4",
            "--verbose"]  # fmt: skip

    def start() -> subprocess.Popen[bytes]:
        starts = log.read_text().count("operator: namespace") + 1 if log.exists() else 1
        with log.open("ab") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # a restart waits for the dead replica's Lease
        while log.read_text().count("operator: namespace") < starts:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        return process

    running = {"process": start()}
    yield {"start": start, "running": running, "log": log, "state": state / "state"}
    process = running["process"]
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(
            f"the operator did not stop on SIGTERM:\n{log.read_text()[-2000:]}"
        ) from None


def objects(api: client.ApiClient, namespace: str, plural: str) -> list[dict[str, Any]]:
    custom = client.CustomObjectsApi(api)
    return list(custom.list_namespaced_custom_object(GROUP, VERSION, namespace, plural)["items"])


def wait_for(condition: Callable[[], Any], timeout: float = 120, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def apply(api: client.ApiClient, namespace: str, kind: str, name: str, spec: dict) -> None:
    plural = {"Job": "jobs", "JobRun": "jobruns"}[kind]
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": kind,
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}  # fmt: skip
    client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, VERSION, namespace,
                                                                 plural, body)  # fmt: skip


def test_a_jobrun_runs_its_pods_with_chromium_and_completes(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    category = site + "catalogue/category/poetry/index.html"
    apply(api, namespace, "Job", "poetry", {
        "payload": [{"apiName": "scrape-category", "parameters": {"url": category}}],
        "configuration": {"maxConcurrentRequests": 3},
    })  # fmt: skip
    apply(api, namespace, "JobRun", "poetry-now", {"jobRef": {"name": "poetry"}})
    custom = client.CustomObjectsApi(api)

    def finished() -> dict[str, Any] | None:
        status = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobruns",
                                                     "poetry-now").get("status") or {}  # fmt: skip
        return status if status.get("status") == "COMPLETED" else None

    status = wait_for(finished, 180, "the JobRun to complete")
    assert status["payloads"] > 1 and status["successfulRuns"] == status["payloads"]
    assert (status["failedRuns"], status["pendingRuns"], status["runningRuns"]) == (0, 0, 0)
    pods = (
        client.CoreV1Api(api)
        .list_namespaced_pod(namespace, label_selector="intuned.io/jobrun=poetry-now")
        .items
    )
    assert len(pods) >= status["payloads"]
    spec = pods[0].spec
    assert spec.restart_policy == "Never" and spec.automount_service_account_token is False
    assert spec.containers[0].security_context.run_as_non_root is True
    assert pods[0].metadata.owner_references[0].kind == "JobRun"
    job = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "poetry")
    ready = {c["type"]: c["status"] for c in job["status"]["conditions"]}
    assert ready == {"Ready": "True", "SpecError": "False", "Suspended": "False"}
    assert job["status"]["lastJobRun"]["name"] == "poetry-now"
    assert len(str(status)) < 16 * 1024
    with_results = wait_for(lambda: (custom.get_namespaced_custom_object(
        GROUP, VERSION, namespace, "jobruns", "poetry-now")["status"].get("results")), 30,
        "the results reference")  # fmt: skip
    assert with_results["key"].endswith(".jsonl")
    events = (
        client.CoreV1Api(api)
        .list_namespaced_event(namespace, field_selector="involvedObject.name=poetry-now")
        .items
    )
    assert {"Pending", "Completed"} <= {e.reason for e in events}


def test_scheduled_jobruns_have_deterministic_names_and_suspend_stops_them(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    apply(api, namespace, "Job", "ticker", {
        "payload": [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}],
        "schedule": {"intervals": [{"every": "4s"}]},
    })  # fmt: skip
    scheduled = wait_for(lambda: [r for r in objects(api, namespace, "jobruns")
                                  if r["spec"]["jobRef"]["name"] == "ticker"
                                  and r["spec"].get("type") == "SCHEDULED"] or None,
                         60, "a scheduled JobRun")  # fmt: skip
    for job_run in scheduled:
        tick = datetime.datetime.fromisoformat(
            job_run["spec"]["scheduledTime"].replace("Z", "+00:00")
        )
        expected = kube_job_run_name(scheduled_job_run_id("ticker", int(tick.timestamp() * 1000)))
        assert job_run["metadata"]["name"] == expected

    custom = client.CustomObjectsApi(api)
    custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "ticker",
                                          {"spec": {"suspend": True}})  # fmt: skip

    def suspended() -> bool:
        status = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobs",
                                                     "ticker").get("status") or {}  # fmt: skip
        return any(c["type"] == "Suspended" and c["status"] == "True"
                   for c in status.get("conditions", []))  # fmt: skip

    wait_for(suspended, 30, "the Suspended condition")
    time.sleep(1)
    before = {r["metadata"]["name"] for r in objects(api, namespace, "jobruns")}
    time.sleep(9)
    after = {r["metadata"]["name"] for r in objects(api, namespace, "jobruns")}
    assert after == before, "a suspended Job made new JobRuns"


def test_terminating_a_jobrun_stops_it(api: client.ApiClient, namespace: str, operator,
                                       site: str) -> None:  # fmt: skip
    items = [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}] * 30
    apply(api, namespace, "Job", "long", {"payload": items,
                                          "configuration": {"maxConcurrentRequests": 1}})  # fmt: skip
    apply(api, namespace, "JobRun", "long-1", {"jobRef": {"name": "long"}})
    custom = client.CustomObjectsApi(api)

    def status() -> dict[str, Any]:
        return custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobruns",
                                                   "long-1").get("status") or {}  # fmt: skip

    wait_for(lambda: status().get("status") == "PENDING", 60, "the JobRun to start")
    custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, "jobruns", "long-1",
                                          {"spec": {"terminate": True}})  # fmt: skip
    final = wait_for(lambda: status() if status().get("status") == "TERMINATED" else None, 60,
                     "TERMINATED")  # fmt: skip
    assert final["reason"]["type"] == "user-request"
    assert final["successfulRuns"] < 30


def test_an_operator_killed_mid_run_resumes_with_nothing_lost_and_no_duplicate(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    items = [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1, "n": n}}
             for n in range(10)]  # fmt: skip
    apply(api, namespace, "Job", "survivor", {"payload": items,
                                              "configuration": {"maxConcurrentRequests": 2}})  # fmt: skip
    apply(api, namespace, "JobRun", "survivor-1", {"jobRef": {"name": "survivor"}})
    custom = client.CustomObjectsApi(api)

    def status() -> dict[str, Any]:
        return custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "jobruns",
                                                   "survivor-1").get("status") or {}  # fmt: skip

    wait_for(lambda: status().get("successfulRuns", 0) >= 3, 120, "three Runs")
    process = operator["running"]["process"]
    process.kill()  # SIGKILL, attempts in flight
    process.wait()
    operator["running"]["process"] = operator["start"]()
    final = wait_for(lambda: status() if status().get("status") == "COMPLETED" else None, 180,
                     "completion after the restart")  # fmt: skip
    assert (final["payloads"], final["successfulRuns"], final["failedRuns"]) == (10, 10, 0)
    runs = [r for r in objects(api, namespace, "jobruns")
            if r["spec"]["jobRef"]["name"] == "survivor"]  # fmt: skip
    assert [r["metadata"]["name"] for r in runs] == ["survivor-1"]
    lines = (operator["state"] / "results" / "survivor" / "survivor-1.jsonl").read_text()
    run_ids = [json.loads(line)["apiInfo"]["runId"] for line in lines.splitlines()]
    assert len(run_ids) == len(set(run_ids)) == 10  # every Run once: nothing lost, no duplicate


def test_of_two_peered_operators_only_one_acts(
    api: client.ApiClient, cluster: Path, namespace: str, operator, site: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    second_log = tmp_path / "second.log"
    with second_log.open("wb") as out:
        second = subprocess.Popen(
            [str(JOBCTL), "operator", "--kubeconfig", str(cluster), "--namespace", namespace,
             "--state", str(tmp_path / "state"), "--callback-listen", "127.0.0.1:0",
             "--project", str(ROOT / "examples" / "bookstore"), "--verbose"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        logs = (operator["log"], second_log)
        wait_for(lambda: "another replica is active" in second_log.read_text(), 60,
                 "the second operator to wait for the Lease")  # fmt: skip
        apply(api, namespace, "Job", "peered", {
            "payload": [{"apiName": "flaky", "parameters": {"baseUrl": site,
                                                            "succeedOnAttempt": 1}}]})  # fmt: skip
        apply(api, namespace, "JobRun", "peered-1", {"jobRef": {"name": "peered"}})
        custom = client.CustomObjectsApi(api)
        wait_for(lambda: (custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, "jobruns", "peered-1").get("status") or {}).get("status")
            == "COMPLETED", 120, "the JobRun")  # fmt: skip
        acted = [p for p in logs if "peered-1: created" in p.read_text()]
        assert len(acted) == 1, "both operators (or none) created the JobRun"
    finally:
        second.terminate()
        second.wait(30)


def test_worker_settings_reach_pods_and_deleting_a_job_removes_its_jobruns_and_pods(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    items = [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}] * 20
    apply(api, namespace, "Job", "doomed", {
        "payload": items, "configuration": {"maxConcurrentRequests": 1},
        "worker": {"image": "example.com/custom-worker:1",
                   "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}}},
    })  # fmt: skip
    apply(api, namespace, "JobRun", "doomed-1", {"jobRef": {"name": "doomed"}})
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    selector = "intuned.io/job=doomed"
    pod = wait_for(lambda: next(iter(core.list_namespaced_pod(
        namespace, label_selector=selector).items), None), 60, "a Pod")  # fmt: skip
    container = pod.spec.containers[0]
    assert container.image == "example.com/custom-worker:1"
    assert container.resources.requests == {"cpu": "100m", "memory": "256Mi"}

    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, "jobs", "doomed")
    wait_for(lambda: not [r for r in objects(api, namespace, "jobruns")
                          if r["spec"]["jobRef"]["name"] == "doomed"], 60, "JobRuns removed")  # fmt: skip
    wait_for(lambda: not core.list_namespaced_pod(namespace, label_selector=selector).items, 60,
             "Pods removed")  # fmt: skip
    wait_for(lambda: "doomed" not in {j["metadata"]["name"] for j in objects(api, namespace, "jobs")},
             60, "the Job gone (finalizer released)")  # fmt: skip
