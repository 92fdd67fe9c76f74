"""The chart installed with the images ``make images`` built, its Pods run as containers.

The kubelet harness runs a Pod as a container when its image is in this machine's image store:
here the operator's Deployment (in-cluster credentials from its ServiceAccount token, the state
on an emptyDir, read-only root, no capabilities), its warm pool Pods and a Pod per attempt, all
from the built images, doing real attempts in the image's Chromium against the demo site.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.ports import free_port
from tests.support.waiting import wait_for

from ._kube import apply, status_of

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / ".cache" / "images" / "images.json"
HELM = ROOT / ".cache" / "cluster" / "bin" / "helm"
RELEASE = "img"
API_KEY = "image-test-key"


def built_images() -> dict[str, str]:
    if not IMAGES.exists():
        pytest.fail(f"{IMAGES} missing: run `make images`", pytrace=False)
    return dict(json.loads(IMAGES.read_text()))


def podman_names(prefix: str) -> list[str]:
    listed = subprocess.run(
        ["podman", "ps", "--format", "{{.Names}}"], capture_output=True, text=True, check=True
    )
    return [name for name in listed.stdout.split() if name.startswith(prefix)]


@pytest.fixture
def release(cluster: Path, api: client.ApiClient) -> Iterator[dict[str, Any]]:
    images = built_images()
    namespace = f"img-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": namespace}})
    ports = {"api": free_port(), "callback": free_port(), "health": free_port()}
    controller, worker = images["controller"].split(":"), images["worker"].split(":")
    values = {
        "image.repository": controller[0],
        "image.tag": controller[1],
        "image.pullPolicy": "Never",
        "worker.image.repository": worker[0],
        "worker.image.tag": worker[1],
        "worker.image.pullPolicy": "Never",
        "worker.pool.minimum": "1",
        "persistence.enabled": "false",
        "apiKey.value": API_KEY,
        "service.apiPort": str(ports["api"]),
        "service.callbackPort": str(ports["callback"]),
        "service.healthPort": str(ports["health"]),
        "service.listenAddress": "127.0.0.1",
        "operator.allowPrivateTargets": "true",
        "crds.enabled": "false",  # the control plane has them (cluster.py applies crds/)
    }
    settings = [item for key, value in values.items() for item in ("--set", f"{key}={value}")]
    installed = subprocess.run(
        [
            str(HELM),
            "--kubeconfig",
            str(cluster),
            "install",
            RELEASE,
            str(ROOT / "charts" / "jobctl"),
            "--namespace",
            namespace,
            *settings,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    try:
        yield {"namespace": namespace, "ports": ports, "images": images}
    finally:
        for log in sorted((cluster.parent / "run" / "pods").glob(f"{namespace}_*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")  # on failure
        subprocess.run(
            [
                str(HELM),
                "--kubeconfig",
                str(cluster),
                "uninstall",
                RELEASE,
                "--namespace",
                namespace,
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        # no controller-manager here: the Pods the operator made are deleted by hand
        client.CoreV1Api(api).delete_collection_namespaced_pod(namespace)
        wait_for(lambda: not podman_names(f"harness-{namespace}-"), 90, "the containers to stop")
        client.CoreV1Api(api).delete_namespace(namespace)


def get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"x-api-key": API_KEY})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_the_chart_runs_jobs_with_its_pods_as_containers_of_the_built_images(
    api: client.ApiClient, release: dict[str, Any], site: str
) -> None:
    namespace, ports = release["namespace"], release["ports"]
    core = client.CoreV1Api(api)

    def operator_pod() -> Any:
        pods = core.list_namespaced_pod(
            namespace, label_selector="app.kubernetes.io/name=jobctl"
        ).items
        running = [p for p in pods if p.status.phase == "Running"]
        return running[0] if running else None

    pod = wait_for(operator_pod, 120, "the operator's Pod to run")
    assert pod.spec.containers[0].image == release["images"]["controller"]
    wait_for(
        lambda: answers(f"http://127.0.0.1:{ports['health']}/healthz"), 90, "the liveness probe"
    )
    wait_for(lambda: answers(f"http://127.0.0.1:{ports['api']}/healthz"), 90, "the REST API")
    assert podman_names(f"harness-{namespace}-{pod.metadata.name}"), "not a container"

    payload = [
        {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}},
        {
            "apiName": "books/details",
            "parameters": {"url": f"{site}books/a-brief-tour-of-genes.html"},
        },
    ]
    apply(api, namespace, "Job", "pooled", {"payload": payload})
    apply(api, namespace, "Job", "own-pods", {"payload": payload, "worker": {"mode": "pod"}})
    apply(api, namespace, "JobRun", "pooled-1", {"jobRef": {"name": "pooled"}})
    apply(api, namespace, "JobRun", "own-pods-1", {"jobRef": {"name": "own-pods"}})

    seen: dict[str, str] = {}
    """Worker Pods seen running as containers of the worker image: name -> command."""

    def ended(name: str) -> dict[str, Any] | None:
        containers = podman_names(f"harness-{namespace}-")
        for pod in core.list_namespaced_pod(namespace).items:
            spec = pod.spec.containers[0]
            running = any(
                c.startswith(f"harness-{namespace}-{pod.metadata.name}-") for c in containers
            )
            if spec.image == release["images"]["worker"] and running:
                seen[pod.metadata.name] = spec.command[-1]
        status = status_of(api, namespace, "jobruns", name)
        return status if status.get("status") in ("COMPLETED", "FAILED") else None

    for name in ("pooled-1", "own-pods-1"):
        final = wait_for(lambda: ended(name), 240, f"the JobRun {name} to end")  # noqa: B023
        assert final["status"] == "COMPLETED", final
        assert final["successfulRuns"] == 2, final
    assert set(seen.values()) == {"controller.worker.pool", "controller.worker.pod"}, seen

    base = f"http://127.0.0.1:{ports['api']}/api/v1/workspace/cluster/projects/{namespace}"
    assert "own-pods" in json.dumps(get_json(f"{base}/jobs"))
