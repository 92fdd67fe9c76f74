"""The cluster tier: a real etcd + kube-apiserver (and the kubelet harness) for the session.

The binaries come from ``.cache/cluster/bin`` (``make test`` builds them first) or
``$KUBEBUILDER_ASSETS``. Without them this tier fails, saying how to provide them: it is never
skipped silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

from controller.vocabulary import POOL_LABEL
from tests.support.ports import free_port
from tests.support.tiers import mark_tier

from ._kube import JOBCTL

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CLUSTER_BIN", ROOT / ".cache" / "cluster" / "bin"))
CLUSTER = ROOT / "hack" / "cluster" / "cluster.py"


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The kubeconfig of a control plane started for this test session."""
    if os.environ.get("KUBEBUILDER_ASSETS"):
        bin_dir = Path(os.environ["KUBEBUILDER_ASSETS"])
    else:
        bin_dir = BIN
    missing = [t for t in ("etcd", "kube-apiserver", "kubectl") if not (bin_dir / t).exists()]
    if missing:
        pytest.fail(
            f"cluster tier: {', '.join(missing)} missing in {bin_dir}; run "
            "`make cluster-binaries` (needs Go >= 1.22) or set KUBEBUILDER_ASSETS",
            pytrace=False,
        )
    cache = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "CLUSTER_CACHE": str(cache), "CLUSTER_BIN": str(bin_dir)}
    started = subprocess.run(
        [sys.executable, str(CLUSTER), "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if started.returncode != 0:
        pytest.fail(
            f"cluster tier: the control plane did not start:\n{started.stdout}{started.stderr}",
            pytrace=False,
        )
    kubeconfig = Path(started.stdout.strip().splitlines()[-1])
    yield kubeconfig
    subprocess.run(
        [sys.executable, str(CLUSTER), "down"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test that ran an operator shows the end of its log and the namespace's Pods: a
    timed-out wait says what it waited for, these say why it never came."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    funcargs = getattr(item, "funcargs", {})
    if not report.failed or "operator" not in funcargs:
        return
    log = funcargs["operator"]["log"]
    report.sections.append(("operator log (end)", log.read_text()[-4000:] if log.exists() else ""))
    if "api" in funcargs and "namespace" in funcargs:
        pods = client.CoreV1Api(funcargs["api"]).list_namespaced_pod(funcargs["namespace"]).items
        report.sections.append(
            (
                "pods",
                "\n".join(
                    f"{p.metadata.name} {p.status.phase} node={p.spec.node_name}" for p in pods
                ),
            )
        )


@pytest.fixture(scope="session")
def api(cluster: Path) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(cluster))


@pytest.fixture(scope="session")
def kubectl(cluster: Path):
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "kubectl"), "--kubeconfig", str(cluster), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examples.demo_site",
            "--port",
            str(port),
            "--root",
            str(ROOT / "examples" / "bookstore" / "site"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
def operator_flags() -> list[str]:
    """Extra ``jobctl operator`` flags; a test module overrides this fixture to add some."""
    return []


@pytest.fixture(scope="module")
def operator(
    cluster: Path,
    namespace: str,
    tmp_path_factory: pytest.TempPathFactory,
    operator_flags: list[str],
):
    state = tmp_path_factory.mktemp("operator")
    log = state / "operator.log"
    liveness, rest, callback = free_port(), free_port(), free_port()
    # a fixed callback port, as a Service gives a real cluster: pool Pods outlive a restart
    args = [
        str(JOBCTL),
        "operator",
        "--kubeconfig",
        str(cluster),
        "--namespace",
        namespace,
        "--state",
        str(state / "state"),
        "--callback-listen",
        f"127.0.0.1:{callback}",
        "--project",
        str(ROOT / "examples" / "bookstore"),
        "--max-workers",
        "4",
        "--allow-private-targets",
        "--liveness",
        f"127.0.0.1:{liveness}",
        "--verbose",
        "--listen",
        f"127.0.0.1:{rest}",
        *operator_flags,
    ]

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
    yield {
        "args": args,
        "start": start,
        "running": running,
        "log": log,
        "state": state / "state",
        "liveness": f"http://127.0.0.1:{liveness}/healthz",
        "api": f"http://127.0.0.1:{rest}",
    }
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
    finally:
        # pool Pods outlive their operator (a restart adopts them): the next module's need
        # not share the machine with them
        core = client.CoreV1Api(config.new_client_from_config(config_file=str(cluster)))
        core.delete_collection_namespaced_pod(namespace, label_selector=POOL_LABEL)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, pytest.mark.cluster)
