"""The cluster tier: a real etcd + kube-apiserver (and the kubelet harness) for the session.

The binaries come from ``.cache/cluster/bin`` (``make test`` builds them first) or
``$KUBEBUILDER_ASSETS``. Without them this tier fails, saying how to provide them: it is never
skipped silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

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
        pytest.fail(f"cluster tier: {', '.join(missing)} missing in {bin_dir}; run "
                    "`make cluster-binaries` (needs Go >= 1.22) or set KUBEBUILDER_ASSETS",
                    pytrace=False)  # fmt: skip
    cache = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "CLUSTER_CACHE": str(cache), "CLUSTER_BIN": str(bin_dir)}
    started = subprocess.run([sys.executable, str(CLUSTER), "up"], env=env, capture_output=True,
                             text=True, timeout=180, check=False)  # fmt: skip
    if started.returncode != 0:
        pytest.fail(f"cluster tier: the control plane did not start:\n{started.stdout}"
                    f"{started.stderr}", pytrace=False)  # fmt: skip
    kubeconfig = Path(started.stdout.strip().splitlines()[-1])
    yield kubeconfig
    subprocess.run([sys.executable, str(CLUSTER), "down"], env=env, capture_output=True,
                   timeout=60, check=False)  # fmt: skip


@pytest.fixture(scope="session")
def api(cluster: Path) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(cluster))


@pytest.fixture(scope="session")
def kubectl(cluster: Path):  # type: ignore[no-untyped-def]
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(cluster), *args],
                              input=stdin, capture_output=True, text=True, timeout=60,
                              check=False)  # fmt: skip

    return run
