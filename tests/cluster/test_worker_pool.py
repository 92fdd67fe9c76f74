"""Worker pool mode on the real control plane: warm pool Pods (real Chromium, through the kubelet
harness) pull the attempts; a Pod killed mid-attempt is replaced and its attempts retried; a
restarted operator adopts its Pods; idle Pods go, busy ones never."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client

from controller.vocabulary import POOL_LABEL
from tests.support.waiting import wait_for

from ._kube import apply, status_of

IDLE_TIMEOUT_S = 4
PAUSE = """
import asyncio
from pathlib import Path


async def automation(page, params, **kwargs):
    if params.get("started"):  # a folder: say this attempt is under way
        Path(params["started"], f"{params['n']}.{kwargs['attempt_number']}").touch()
    await asyncio.sleep(params["seconds"])
    return {"n": params["n"]}
"""


PROBE = """
import gc
import os
import re
import sys

CREDENTIAL = re.compile(r"[.][0-9a-f]{64}$")


async def automation(page, params, **_kwargs):
    # every place user code might find a worker's credential: its environment, its agent's
    # (and PID 1's) first environment, every string its process holds, its call stack
    texts = {"environment": "\\0".join(f"{k}={v}" for k, v in os.environ.items())}
    for pid in {os.getppid(), 1}:
        try:
            texts[f"/proc/{pid}/environ"] = open(f"/proc/{pid}/environ", "rb").read().decode()
        except OSError as exc:
            texts[f"/proc/{pid}/environ"] = f"unreadable: {exc}"
    found, held, frame = set(), [], sys._getframe()
    while frame is not None:
        held.append(frame.f_locals)
        frame = frame.f_back
    for holder in [*gc.get_objects(), *held]:
        values = holder.values() if isinstance(holder, dict) else holder
        if isinstance(holder, (dict, list, tuple, set, frozenset)):
            found |= {v for v in values if isinstance(v, str) and CREDENTIAL.search(v)}
    return {"texts": texts, "credentials": sorted(found)}
"""


@pytest.fixture(scope="module")
def operator_flags(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    project = tmp_path_factory.mktemp("pool-project")
    (project / "api").mkdir()
    (project / "api" / "pause.py").write_text(PAUSE)
    (project / "api" / "probe.py").write_text(PROBE)
    # no warm minimum: each test sees its Pods made and retired
    return [
        "--project",
        str(project),
        "--pool-idle-timeout",
        str(IDLE_TIMEOUT_S),
        "--pool-min",
        "0",
    ]


def _pauses(count: int, seconds: float, started: Path | None = None) -> dict[str, Any]:
    extra = {"started": str(started)} if started else {}
    payload = [
        {"apiName": "pause", "parameters": {"seconds": seconds, "n": n, **extra}}
        for n in range(count)
    ]
    return {"payload": payload, "configuration": {"maxConcurrentRequests": 4}}


def _pool_pods(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """Live pool Pods: name -> uid."""
    pods = client.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=POOL_LABEL).items
    return {
        p.metadata.name: p.metadata.uid
        for p in pods
        if p.metadata.deletion_timestamp is None and p.status.phase not in ("Succeeded", "Failed")
    }


def _completed(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    status = status_of(api, namespace, "jobruns", name)
    return status if status.get("status") == "COMPLETED" else None


def _worker_pid(api: client.ApiClient, namespace: str, pod: str) -> int:
    """The pool Pod's worker process (the harness runs a Pod as a local process, its agent the
    one started with the Pod's command)."""
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"HARNESS_POD={namespace}/{pod}".encode() in environ and b"worker.pool" in command:
            return int(entry.name)
    raise AssertionError(f"no process of {pod}")


def test_a_pool_jobrun_runs_in_one_warm_pod_that_is_kept_while_busy_and_retired_when_idle(
    api: client.ApiClient, namespace: str, operator
) -> None:
    worker = {"image": "example.com/pool-worker:1", "resources": {"requests": {"cpu": "250m"}}}
    apply(api, namespace, "Job", "pooled", {**_pauses(4, IDLE_TIMEOUT_S + 2), "worker": worker})
    apply(api, namespace, "JobRun", "pooled-1", {"jobRef": {"name": "pooled"}})
    seen: dict[str, str] = {}
    core = client.CoreV1Api(api)
    attempt_pods: set[str] = set()
    containers: list[Any] = []

    def done() -> dict[str, Any] | None:
        seen.update(_pool_pods(api, namespace))
        pods = core.list_namespaced_pod(namespace, label_selector=POOL_LABEL).items
        containers.extend(p.spec.containers[0] for p in pods)
        labelled = core.list_namespaced_pod(namespace, label_selector="intuned.io/jobrun").items
        attempt_pods.update(p.metadata.name for p in labelled)
        return _completed(api, namespace, "pooled-1")

    status = wait_for(done, 120, "the pooled JobRun to complete")
    assert (status["successfulRuns"], status["failedRuns"]) == (4, 0)
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    runs = httpx.get(f"{base}/job-runs/pooled-1/runs", timeout=10).json()["runs"]
    for run in runs:  # uploaded by the pool Pod to the operator, which serves them
        assert run["logUrl"].startswith(f"{operator['api']}/artifacts/pooled-1/")
        assert httpx.get(run["logUrl"], timeout=10).status_code == 200
    assert not attempt_pods, "pool mode made a Pod per attempt"
    assert len(seen) == 1, f"4 attempts at once on 4 per Pod need one Pod, saw {sorted(seen)}"
    assert containers[0].image == worker["image"]  # the Job's worker settings make its pool
    assert containers[0].resources.requests == {"cpu": "250m"}
    assert containers[0].security_context.run_as_non_root is True
    # its attempts took longer than the idle timeout: a busy Pod is never retired
    assert _pool_pods(api, namespace) == seen
    wait_for(lambda: not _pool_pods(api, namespace), 30, "the idle pool Pod to be retired")


def test_a_pool_pod_killed_mid_attempt_is_replaced_and_its_attempts_retried(
    api: client.ApiClient, namespace: str, operator, tmp_path: Path
) -> None:
    apply(api, namespace, "Job", "killed", _pauses(4, 5, started=tmp_path))
    apply(api, namespace, "JobRun", "killed-1", {"jobRef": {"name": "killed"}})
    wait_for(lambda: len(list(tmp_path.iterdir())) == 4, 60, "four attempts under way")
    (victim,) = _pool_pods(api, namespace)
    os.kill(_worker_pid(api, namespace, victim), signal.SIGKILL)
    status = wait_for(lambda: _completed(api, namespace, "killed-1"), 120, "completion")
    assert (status["successfulRuns"], status["failedRuns"]) == (4, 0)
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    runs = httpx.get(f"{base}/job-runs/killed-1/runs", timeout=10).json()["runs"]
    attempts = sorted(run["attempts"] for run in runs)
    assert attempts == [2, 2, 2, 2], f"each Run retried once after its Pod died: {runs}"
    results = (operator["state"] / "results" / "killed" / "killed-1.jsonl").read_text()
    assert len(results.splitlines()) == 4, "one results line per Run: nothing lost or twice"


def test_a_restarted_operator_adopts_its_pool_pod_and_no_run_runs_twice(
    api: client.ApiClient, namespace: str, operator, tmp_path: Path
) -> None:
    """The four attempts under way when the operator is killed end while it is away; their Pod
    keeps their outcomes and resends them to the next operator, which waits for them: every
    Run starts once (a file per start: ``n.attempt_number``)."""
    apply(api, namespace, "Job", "adopted", _pauses(8, 2, started=tmp_path))
    apply(api, namespace, "JobRun", "adopted-1", {"jobRef": {"name": "adopted"}})
    wait_for(lambda: len(list(tmp_path.iterdir())) == 4, 60, "four attempts under way")
    before = _pool_pods(api, namespace)
    process = operator["running"]["process"]
    process.kill()
    process.wait()
    operator["running"]["process"] = operator["start"]()
    seen: dict[str, str] = {}

    def done() -> dict[str, Any] | None:
        seen.update(_pool_pods(api, namespace))
        return _completed(api, namespace, "adopted-1")

    status = wait_for(done, 120, "completion after the restart")
    assert (status["successfulRuns"], status["failedRuns"]) == (8, 0)
    assert len(before) == 1 and seen == before, "the Pod was not adopted (or another was made)"
    starts = sorted(path.name for path in tmp_path.iterdir())
    assert starts == [f"{n}.1" for n in range(8)], f"Runs that ran twice: {starts}"
    wait_for(lambda: not _pool_pods(api, namespace), 30, "the idle pool Pod to be retired")


def test_attempts_in_pods_of_their_own_that_end_while_the_operator_is_away_count_once(
    api: client.ApiClient, namespace: str, operator, tmp_path: Path
) -> None:
    """Pod per attempt: the Pods outlive the killed operator, keep their outcomes and resend
    them to the next one, which knows their tokens (derived from its key): no Run runs twice."""
    job = {**_pauses(2, 3, started=tmp_path), "worker": {"mode": "pod"}}
    apply(api, namespace, "Job", "own-pods", job)
    apply(api, namespace, "JobRun", "own-pods-1", {"jobRef": {"name": "own-pods"}})
    wait_for(lambda: len(list(tmp_path.iterdir())) == 2, 90, "both attempts under way")
    process = operator["running"]["process"]
    process.kill()
    process.wait()
    operator["running"]["process"] = operator["start"]()
    done = wait_for(lambda: _completed(api, namespace, "own-pods-1"), 120, "completion")
    assert (done["successfulRuns"], done["failedRuns"]) == (2, 0)
    starts = sorted(path.name for path in tmp_path.iterdir())
    assert starts == ["0.1", "1.1"], f"Runs that ran twice: {starts}"


def test_user_code_on_a_pool_pod_finds_no_credential_and_the_pods_own_acts_for_no_attempt(
    api: client.ApiClient, namespace: str, operator
) -> None:
    """User code on a pool Pod looks for a worker credential everywhere it can (its environment,
    its agent's and PID 1's, every string of its process, its call stack) and finds none: the
    agent keeps them in a process of its own and zeroes the Pod's token in its environment. The
    Pod's token, as anyone who reads the Pod spec has it, fetches work and nothing else."""
    apply(api, namespace, "Job", "probe", {"payload": [{"apiName": "probe", "parameters": {}}]})
    apply(api, namespace, "JobRun", "probe-1", {"jobRef": {"name": "probe"}})
    core, specs = client.CoreV1Api(api), {}

    def completed() -> dict[str, Any] | None:
        for name in _pool_pods(api, namespace):
            specs[name] = core.read_namespaced_pod(name, namespace).spec.containers[0]
        return _completed(api, namespace, "probe-1")

    status = wait_for(completed, 120, "the probe to end")
    assert status["successfulRuns"] == 1 and len(specs) == 1
    (spec,) = specs.values()
    env = {v.name: v.value for v in spec.env if v.value is not None}
    pod_token = env["JOBCTL_WORKER_TOKEN"]
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    (run,) = httpx.get(f"{base}/job-runs/probe-1/runs", timeout=10).json()["runs"]
    found = httpx.get(f"{base}/job-runs/probe-1/runs/{run['id']}", timeout=10).json()["run"]
    assert found["result"]["credentials"] == []
    for where, text in found["result"]["texts"].items():
        assert pod_token.rpartition(".")[2] not in text, f"the Pod's token is in {where}"
        assert "JOBCTL_CALLBACK" not in text or where != "environment", where
    answers = {}
    for path in ("/attempt", "/events", "/auth"):
        body = {"attempt_id": run["id"], "type": "result", "result": {}, "op": "state"}
        headers = {"Authorization": f"Bearer {pod_token}"}
        answer = httpx.post(env["JOBCTL_CALLBACK"] + path, json=body, headers=headers, timeout=10)
        answers[path] = answer.status_code
    assert answers == {"/attempt": 409, "/events": 409, "/auth": 409}
