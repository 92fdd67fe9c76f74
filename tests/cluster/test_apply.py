"""``jobctl apply DIR`` against the real apiserver: validate first, server-side apply, report
what changed, prune only code-sourced resources, dry runs store nothing."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from kubernetes import client

from ._kube import JOBCTL, apply, get, objects


def job_file(apis: list[str], every: str = "1h") -> str:
    items = ", ".join(f'{{"apiName": "{a}"}}' for a in apis)
    return (
        f'// a job\n{{\n  "$schema": "../schema.json",\n  "payload": [{items}],\n'
        f'  "schedule": {{"intervals": [{{"every": "{every}"}}]}},\n}}\n'
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "intuned-resources"
    (root / "jobs").mkdir(parents=True)
    (root / "auth-sessions").mkdir()
    (root / "jobs" / "alpha.job.jsonc").write_text(job_file(["a"]))
    (root / "jobs" / "beta.job.jsonc").write_text(job_file(["b"]))
    (root / "auth-sessions" / "member.auth-session.jsonc").write_text(
        '{"credentials": {"username": "reader", "password": {"env": "MEMBER_PASSWORD"}}}'
    )
    return root


@pytest.fixture
def namespace(api: client.ApiClient) -> str:
    name = f"apply-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    return name


def jobctl_apply(cluster: Path, folder: Path, namespace: str, *flags: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [
            str(JOBCTL),
            "apply",
            str(folder),
            "--kubeconfig",
            str(cluster),
            "--namespace",
            namespace,
            "--commit",
            "c0ffee",
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines()


def test_apply_creates_then_reports_nothing_to_do(
    api: client.ApiClient, cluster: Path, folder: Path, namespace: str
) -> None:
    code, lines = jobctl_apply(cluster, folder, namespace)
    assert (code, lines) == (
        0,
        ["job/alpha created", "job/beta created", "authsession/member created"],
    )
    alpha = get(api, namespace, "jobs", "alpha")
    assert alpha["metadata"]["labels"]["intuned.io/source"] == "code"
    assert alpha["metadata"]["annotations"]["intuned.io/path"] == "jobs/alpha.job.jsonc"
    assert alpha["metadata"]["annotations"]["intuned.io/commit"] == "c0ffee"
    assert alpha["spec"] == {
        "payload": [{"apiName": "a"}],
        "schedule": {"intervals": [{"every": "1h"}]},
    }
    managers = {m["manager"] for m in alpha["metadata"]["managedFields"]}
    assert managers == {"jobctl"}
    assert get(api, namespace, "authsessions", "member")["spec"]["credentials"]["password"] == {
        "env": "MEMBER_PASSWORD"
    }
    assert jobctl_apply(cluster, folder, namespace)[1] == [
        "job/alpha unchanged",
        "job/beta unchanged",
        "authsession/member unchanged",
    ]


def test_prune_and_dry_run_follow_the_folder_and_spare_other_resources(
    api: client.ApiClient, cluster: Path, folder: Path, namespace: str
) -> None:
    jobctl_apply(cluster, folder, namespace)
    apply(api, namespace, "Job", "by-hand", {"payload": [{"apiName": "h"}]})
    (folder / "jobs" / "alpha.job.jsonc").write_text(job_file(["a", "a2"], every="2h"))
    (folder / "jobs" / "beta.job.jsonc").unlink()

    code, lines = jobctl_apply(cluster, folder, namespace, "--prune", "--dry-run")
    assert code == 0 and lines == [
        "job/alpha configured (server dry run)",
        "authsession/member unchanged (server dry run)",
        "job/beta pruned (server dry run)",
    ]
    assert get(api, namespace, "jobs", "alpha")["spec"]["payload"] == [{"apiName": "a"}]
    assert {j["metadata"]["name"] for j in objects(api, namespace, "jobs")} == {
        "alpha",
        "beta",
        "by-hand",
    }

    code, lines = jobctl_apply(cluster, folder, namespace, "--prune")
    assert code == 0 and "job/beta pruned" in lines and "job/alpha configured" in lines
    assert get(api, namespace, "jobs", "alpha")["spec"]["payload"] == [
        {"apiName": "a"},
        {"apiName": "a2"},
    ]
    assert {j["metadata"]["name"] for j in objects(api, namespace, "jobs")} == {"alpha", "by-hand"}


def test_a_hand_edit_of_a_field_the_file_defines_is_reverted(
    api: client.ApiClient, cluster: Path, folder: Path, namespace: str
) -> None:
    jobctl_apply(cluster, folder, namespace)
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        "intuned.io",
        "v1alpha1",
        namespace,
        "jobs",
        "alpha",
        {"spec": {"schedule": {"intervals": [{"every": "5m"}]}}},
    )
    assert jobctl_apply(cluster, folder, namespace)[1][0] == "job/alpha configured"
    assert get(api, namespace, "jobs", "alpha")["spec"]["schedule"] == {
        "intervals": [{"every": "1h"}]
    }


def test_one_invalid_file_stops_everything_before_the_cluster_is_touched(
    api: client.ApiClient, cluster: Path, folder: Path, namespace: str
) -> None:
    (folder / "jobs" / "gamma.job.jsonc").write_text(
        '{\n  "payload": [{"apiName": "g"}],\n  "schedule": {"intervals": [{"every": "soon"}]}\n}\n'
    )
    code, lines = jobctl_apply(cluster, folder, namespace)
    assert code == 1
    assert lines[0].startswith(f"{folder / 'jobs' / 'gamma.job.jsonc'}:3:")
    assert lines[-1] == "1 problem(s); nothing was applied"
    assert objects(api, namespace, "jobs") == []


def test_the_apiserver_checks_a_dry_run_too(
    api: client.ApiClient, cluster: Path, folder: Path, namespace: str
) -> None:
    code, lines = jobctl_apply(cluster, folder, f"missing-{uuid.uuid4().hex[:4]}", "--dry-run")
    assert code == 1 and lines[0].startswith("error: ")
    assert json.dumps(lines)  # one readable line, no traceback
