"""40 book pages at concurrency 4: the operator on a real control plane vs embedded mode.

Embedded mode (``EmbeddedController`` with local workers, what ``jobctl run`` does) and
``jobctl operator`` on the test control plane (etcd, kube-apiserver and the kubelet harness,
started here) run the same Job of ``books/details`` on the same local pages. The operator's
figure runs from creating the JobRun resource to its status saying COMPLETED, so it includes
Pod starts, the callback and status writes; embedded mode's includes starting its worker.

The harness starts each Pod ``POD_START_DELAY_S`` late, as a node starting a container from a
warm image would (a Pod here is otherwise a local process with no image pull or sandbox).
Measured, in order, with default operator settings: pool mode (the default: the default pool's
warm Pod, started with the operator, pulls the attempts; ``value``), a pool of its own started
by its first JobRun (``pool_cold``: the JobRun waits for a Pod start), a Pod per attempt with
the delay, and without it. Targets: pool / embedded >= 0.8, and pool >= 5x a Pod per attempt
with the delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubernetes import client, config

from controller.vocabulary import GROUP, VERSION

from .browser_throughput import CONCURRENCY, PROJECT, book_urls, embedded_run, serve_site

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "hack" / "cluster" / "cluster.py"
ITEMS = 40
POD_START_DELAY_S = 2.0
TARGET = 0.8
TARGET_VS_POD = 5.0


def _document(urls: list[str]) -> dict[str, Any]:
    payload = [{"apiName": "books/details", "parameters": {"url": url}} for url in urls]
    return {"payload": payload, "configuration": {"maxConcurrentRequests": CONCURRENCY}}


@contextlib.contextmanager
def _control_plane(folder: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    env = {**os.environ, "CLUSTER_CACHE": str(folder / "cluster")}
    if not os.environ.get("KUBEBUILDER_ASSETS"):  # built once into .cache/cluster/bin
        subprocess.run(
            ["bash", str(ROOT / "hack/cluster/build-binaries.sh")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env["CLUSTER_BIN"] = str(ROOT / ".cache" / "cluster" / "bin")
    up = subprocess.run(
        [sys.executable, str(CLUSTER), "up"], env=env, check=True, capture_output=True, text=True
    )
    try:
        yield Path(up.stdout.strip().splitlines()[-1]), env
    finally:
        subprocess.run(
            [sys.executable, str(CLUSTER), "down"], env=env, check=False, capture_output=True
        )


def _set_delay(env: dict[str, str], seconds: float) -> None:
    subprocess.run([sys.executable, str(CLUSTER), "delay", str(seconds)], env=env, check=True)


@contextlib.contextmanager
def _operator(kubeconfig: Path, namespace: str, folder: Path) -> Iterator[None]:
    log = (folder / "operator.log").open("ab")
    jobctl = Path(sys.executable).with_name("jobctl")
    process = subprocess.Popen(
        [
            str(jobctl),
            "operator",
            "--kubeconfig",
            str(kubeconfig),
            "--namespace",
            namespace,
            "--state",
            str(folder / "operator"),
            "--callback-listen",
            "127.0.0.1:0",
            "--project",
            str(PROJECT),
            "--max-workers",
            str(CONCURRENCY),
            "--peering",
            "off",
            "--allow-private-targets",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while b"operator: namespace" not in (folder / "operator.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "operator.log").read_text()[-2000:])
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _jobrun_seconds(
    custom: client.CustomObjectsApi, namespace: str, name: str, spec: dict[str, Any]
) -> float:
    """Create the Job and a JobRun of it; seconds until the JobRun says COMPLETED."""

    def create(plural: str, kind: str, body_name: str, body_spec: dict[str, Any]) -> None:
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": kind,
            "metadata": {"name": body_name},
            "spec": body_spec,
        }
        custom.create_namespaced_custom_object(GROUP, VERSION, namespace, plural, body)

    create("jobs", "Job", name, spec)
    time.sleep(1)  # the operator has the Job before the JobRun names it
    started = time.perf_counter()
    create("jobruns", "JobRun", f"{name}-run", {"jobRef": {"name": name}})
    deadline = started + 600
    while time.perf_counter() < deadline:
        resource = custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, "jobruns", f"{name}-run"
        )
        status = resource.get("status") or {}
        if status.get("status") == "COMPLETED":
            elapsed = time.perf_counter() - started
            succeeded = status.get("successfulRuns")
            assert succeeded == ITEMS, f"{name}: {succeeded}/{ITEMS} succeeded"
            return elapsed
        time.sleep(0.05)
    raise RuntimeError(f"{name}: the JobRun did not complete in 600 s")


def _kube(urls: list[str], folder: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    with _control_plane(folder) as (kubeconfig, env):
        _set_delay(env, POD_START_DELAY_S)
        api = config.new_client_from_config(config_file=str(kubeconfig))
        client.CoreV1Api(api).create_namespace({"metadata": {"name": "bench"}})
        custom = client.CustomObjectsApi(api)
        with _operator(kubeconfig, "bench", folder):
            log = folder / "operator.log"
            deadline = time.monotonic() + 120
            while not re.search(rb"worker pool: \S+ ready", log.read_bytes()):
                assert time.monotonic() < deadline, "the default pool's Pod never became ready"
                time.sleep(0.1)
            cold = {"env": [{"name": "BENCH_POOL", "value": "cold"}]}  # a pool of its own
            runs = [
                ("pool", {}, POD_START_DELAY_S),
                ("pool-cold", cold, POD_START_DELAY_S),
                ("pod-delayed", {"mode": "pod"}, POD_START_DELAY_S),
                ("pod", {"mode": "pod"}, 0.0),
            ]
            for name, worker, delay in runs:
                _set_delay(env, delay)
                spec = {**_document(urls), "worker": worker}
                seconds[name] = _jobrun_seconds(custom, "bench", name, spec)
    return seconds


def run() -> dict[str, Any]:
    server, base = serve_site()
    try:
        urls = book_urls(base, ITEMS)
        with tempfile.TemporaryDirectory() as folder:
            embedded, job_run = asyncio.run(embedded_run(urls, Path(folder) / "embedded"))
            assert job_run.successful_runs == ITEMS, f"embedded: {job_run.successful_runs}/{ITEMS}"
            kube = _kube(urls, Path(folder))
    finally:
        server.shutdown()
        server.server_close()

    def rate(seconds: float) -> float:
        return round(ITEMS / seconds, 2)

    return {
        "benchmark": "kube_items_per_second_ratio",
        "value": round(embedded / kube["pool"], 3),
        "unit": "ratio",
        "target": TARGET,
        "items": ITEMS,
        "concurrency": CONCURRENCY,
        "pod_start_delay_s": POD_START_DELAY_S,
        "embedded_items_per_s": rate(embedded),
        "pool_items_per_s": rate(kube["pool"]),
        "pool_cold_items_per_s": rate(kube["pool-cold"]),
        "pool_cold_ratio": round(embedded / kube["pool-cold"], 3),
        "pod_per_attempt_delayed_items_per_s": rate(kube["pod-delayed"]),
        "pod_per_attempt_items_per_s": rate(kube["pod"]),
        "pool_vs_pod_per_attempt_delayed": round(kube["pod-delayed"] / kube["pool"], 2),
        "target_vs_pod_per_attempt_delayed": TARGET_VS_POD,
    }


if __name__ == "__main__":
    print(json.dumps(run()), flush=True)
