"""The kubelet harness's ``podman run`` for a Pod: what the Pod's spec says, and nothing less."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from controller.launch.pods import PodSettings, worker_pod

ROOT = Path(__file__).resolve().parents[2]


def containers() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "containers", ROOT / "hack" / "cluster" / "containers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def a_worker_pod() -> dict[str, Any]:
    pod = worker_pod(
        PodSettings(namespace="jobs", image="localhost/jobctl/worker:abc"),
        name="attempt-1",
        labels={},
        owner=None,
        command=["python", "-m", "controller.worker.pod"],
        env=[{"name": "JOBCTL_ATTEMPT_ID", "value": "a1"}],
        worker={},
        resources={"limits": {"memory": "2Gi", "cpu": "1500m"}},
    )
    pod["metadata"]["uid"] = "0123456789abcdef"
    return pod


def flag_values(command: list[str], flag: str) -> list[str]:
    return [command[i + 1] for i, item in enumerate(command[:-1]) if item == flag]


def test_a_worker_pod_runs_as_its_security_context_says(tmp_path: Path) -> None:
    command = containers().run_command(
        a_worker_pod(),
        env={"JOBCTL_ATTEMPT_ID": "a1"},
        sandbox=tmp_path,
        claims=tmp_path / "claims",
        services=["jobctl"],
        token=None,
    )
    assert command[0] == "run" and "--rm" in command
    assert flag_values(command, "--user") == ["1000"]
    assert "--read-only" in command and "--read-only-tmpfs=false" in command
    assert flag_values(command, "--cap-drop") == ["all"]
    assert flag_values(command, "--security-opt") == ["no-new-privileges"]
    assert flag_values(command, "--memory") == [str(2 * 2**30)]
    assert flag_values(command, "--cpus") == ["1.5"]
    assert flag_values(command, "--network") == ["host"]
    assert flag_values(command, "--hostname") == ["attempt-1"]
    assert "JOBCTL_ATTEMPT_ID=a1" in flag_values(command, "--env")
    assert "jobctl.jobs.svc.cluster.local:127.0.0.1" in flag_values(command, "--add-host")
    mounts = flag_values(command, "--mount")
    assert f"type=bind,source={tmp_path}/volumes/tmp,destination=/tmp" in mounts
    assert f"type=tmpfs,destination=/dev/shm,tmpfs-size={2**30},tmpfs-mode=1777" in mounts
    if os.geteuid() == 0:
        assert (tmp_path / "volumes" / "tmp").stat().st_uid == 1000
    assert flag_values(command, "--entrypoint") == [
        json.dumps(["python", "-m", "controller.worker.pod"])
    ]
    assert command[-1] == "localhost/jobctl/worker:abc"


def test_the_service_account_token_is_mounted_where_clients_look(tmp_path: Path) -> None:
    module = containers()
    pod = a_worker_pod()
    token = module.ServiceAccountToken(token="t0ken", ca=b"CA", namespace="jobs")
    path = "/var/run/secrets/kubernetes.io/serviceaccount"
    projected = {"sources": [{"serviceAccountToken": {"path": "token"}}, {"configMap": {}}]}
    pod["spec"]["volumes"].append({"name": "kube-api-access-x", "projected": projected})
    pod["spec"]["containers"][0]["volumeMounts"].append(
        {"name": "kube-api-access-x", "mountPath": path, "readOnly": True}
    )
    command = module.run_command(
        pod, env={}, sandbox=tmp_path, claims=tmp_path / "claims", services=[], token=token
    )
    folder = tmp_path / "serviceaccount"
    assert (folder / "token").read_text() == "t0ken"
    assert (folder / "namespace").read_text() == "jobs"
    assert f"type=bind,source={folder},destination={path},ro" in flag_values(command, "--mount")


def test_args_alone_keep_the_images_entrypoint(tmp_path: Path) -> None:
    pod = a_worker_pod()
    container = pod["spec"]["containers"][0]
    container["args"] = container.pop("command")
    command = containers().run_command(
        pod, env={}, sandbox=tmp_path, claims=tmp_path / "claims", services=[], token=None
    )
    assert "--entrypoint" not in command
    assert command[-4:] == ["localhost/jobctl/worker:abc", "python", "-m", "controller.worker.pod"]


def test_a_claims_volume_outlives_the_pod_in_a_folder_of_the_claim(tmp_path: Path) -> None:
    pod = a_worker_pod()
    pod["spec"]["volumes"].append({"name": "state", "persistentVolumeClaim": {"claimName": "db"}})
    pod["spec"]["containers"][0]["volumeMounts"].append({"name": "state", "mountPath": "/state"})
    for sandbox in (tmp_path / "first", tmp_path / "second"):  # two Pods, one claim
        command = containers().run_command(
            pod, env={}, sandbox=sandbox, claims=tmp_path / "claims", services=[], token=None
        )
        claim = tmp_path / "claims" / "jobs" / "db"
        assert f"type=bind,source={claim},destination=/state" in flag_values(command, "--mount")


def test_a_volume_the_harness_cannot_give_fails_the_pod_saying_which(tmp_path: Path) -> None:
    module = containers()
    pod = a_worker_pod()
    pod["spec"]["volumes"].append({"name": "data", "hostPath": {"path": "/etc"}})
    pod["spec"]["containers"][0]["volumeMounts"].append({"name": "data", "mountPath": "/data"})
    with pytest.raises(module.UnsupportedPodError, match="'data' \\(hostPath\\)"):
        module.run_command(
            pod, env={}, sandbox=tmp_path, claims=tmp_path / "claims", services=[], token=None
        )
