"""In-cluster repo sync (``jobctl operator --sync-dir``): job files in a git checkout become
code-sourced Jobs that follow every add, change, break, fix and delete within seconds, and hand
edits of those Jobs are put back as the file says (except ``suspend``, which is run-time state)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from controller.operator.repo_sync import SETTLE_S
from tests.support.waiting import wait_for

from ._kube import apply, conditions, get, objects, status_of

FOLLOW_S = 15
"""How soon the resources must follow a file change ("within seconds")."""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository commits are made in; the operator sees them only as git-sync publishes
    them (``publish``)."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "intuned-resources" / "jobs").mkdir(parents=True)
    git(repo, "init", "-q")
    return repo


@pytest.fixture(scope="module")
def sync_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("git")


@pytest.fixture(scope="module")
def operator_flags(sync_root: Path) -> list[str]:
    return [
        "--sync-root",
        str(sync_root),
        "--sync-dir",
        str(sync_root / "current" / "intuned-resources"),
    ]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str | None], sync_root: Path) -> str:
    """Commits the change and publishes it the way git-sync does: a worktree of the new commit,
    then the ``current`` link swapped to it in one rename, so files and commit change together."""
    for name, text in files.items():
        path = repo / "intuned-resources" / "jobs" / name
        if text is None:
            path.unlink()
        else:
            path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    sha = git(repo, "rev-parse", "HEAD")
    worktree = sync_root / ".worktrees" / sha
    git(repo, "worktree", "add", "-q", "--detach", str(worktree), sha)
    (sync_root / "current.new").symlink_to(worktree.relative_to(sync_root))
    (sync_root / "current.new").replace(sync_root / "current")
    return sha


def job(api_name: str, every: str = "1h") -> str:
    return (
        f'// synced\n{{\n  "payload": [{{"apiName": "{api_name}"}}],\n'
        f'  "schedule": {{"intervals": [{{"every": "{every}"}}]}},\n}}\n'
    )


def test_nothing_is_deleted_while_the_checkout_is_missing(
    api: client.ApiClient, namespace: str, operator, checkout: Path, sync_root: Path
) -> None:
    """Before git-sync's first clone (say, an operator restarted on a fresh volume) the folder is
    missing, which is not an empty folder: pruning then would delete every Job and its history."""
    (sync_root / "current").unlink(missing_ok=True)
    apply(api, namespace, "Job", "orphan", {"payload": [{"apiName": "a"}]})
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        "intuned.io",
        "v1alpha1",
        namespace,
        "jobs",
        "orphan",
        {"metadata": {"labels": {"intuned.io/source": "code"}}},
    )  # a pass follows this change
    wait_for(
        lambda: "does not exist (yet)" in operator["log"].read_text(),
        FOLLOW_S,
        "the missing checkout to be reported",
    )
    time.sleep(2 * SETTLE_S + 1)
    assert "orphan" in {j["metadata"]["name"] for j in objects(api, namespace, "jobs")}

    commit(checkout, {"placeholder.job.jsonc": job("p")}, sync_root)
    wait_for(
        lambda: "orphan" not in {j["metadata"]["name"] for j in objects(api, namespace, "jobs")},
        FOLLOW_S,
        "the code Job without a file to be pruned once the checkout exists",
    )


def test_jobs_follow_their_files_and_hand_edits_are_reverted(
    api: client.ApiClient, namespace: str, operator, checkout: Path, sync_root: Path
) -> None:
    first = commit(checkout, {"synced.job.jsonc": job("a")}, sync_root)

    def synced() -> dict[str, Any] | None:
        found = [j for j in objects(api, namespace, "jobs") if j["metadata"]["name"] == "synced"]
        return found[0] if found else None

    resource = wait_for(synced, FOLLOW_S, "the Job to be created from its file")
    metadata = resource["metadata"]
    assert metadata["labels"]["intuned.io/source"] == "code"
    assert metadata["annotations"]["intuned.io/path"] == "intuned-resources/jobs/synced.job.jsonc"
    assert metadata["annotations"]["intuned.io/commit"] == first
    wait_for(
        lambda: (
            (get(api, namespace, "jobs", "synced").get("status") or {}).get("source")
            == {"kind": "code", "path": "intuned-resources/jobs/synced.job.jsonc", "commit": first}
        ),
        FOLLOW_S,
        "the source in the Job's status",
    )

    second = commit(checkout, {"synced.job.jsonc": job("b")}, sync_root)
    wait_for(
        lambda: get(api, namespace, "jobs", "synced")["spec"]["payload"] == [{"apiName": "b"}],
        FOLLOW_S,
        "the changed file to reach the Job",
    )
    assert (
        get(api, namespace, "jobs", "synced")["metadata"]["annotations"]["intuned.io/commit"]
        == second
    )

    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        "intuned.io",
        "v1alpha1",
        namespace,
        "jobs",
        "synced",
        {
            "spec": {
                "payload": [{"apiName": "edited"}],
                "sink": {"type": "webhook", "url": "https://example.com/hook"},
                "suspend": True,
            }
        },
    )
    wait_for(
        lambda: (
            get(api, namespace, "jobs", "synced")["spec"]
            == {
                "payload": [{"apiName": "b"}],
                "schedule": {"intervals": [{"every": "1h"}]},
                "suspend": True,
            }
        ),
        FOLLOW_S,
        "the hand edit to be reverted",
    )
    # suspend is run-time state (kubectl or the REST API pausing a Job), not the file's to undo


def test_a_broken_file_is_reported_and_its_last_good_version_kept_until_fixed(
    api: client.ApiClient, namespace: str, operator, checkout: Path, sync_root: Path
) -> None:
    commit(checkout, {"fragile.job.jsonc": job("good")}, sync_root)
    wait_for(lambda: fragile_ready(api, namespace), FOLLOW_S, "the Job to be Ready")

    commit(checkout, {"fragile.job.jsonc": job("good", every="soon")}, sync_root)

    def spec_error() -> str | None:
        found = [
            c
            for c in status_of(api, namespace, "jobs", "fragile").get("conditions", [])
            if c["type"] == "SpecError" and c["status"] == "True"
        ]
        return found[0]["message"] if found else None

    message = wait_for(spec_error, FOLLOW_S, "SpecError for the broken file")
    assert message.startswith("intuned-resources/jobs/fragile.job.jsonc:4:"), message
    assert "soon" in message
    assert get(api, namespace, "jobs", "fragile")["spec"]["schedule"] == {
        "intervals": [{"every": "1h"}]
    }  # the last good version stays
    events = (
        client.CoreV1Api(api)
        .list_namespaced_event(namespace, field_selector="involvedObject.name=fragile")
        .items
    )
    assert any(e.reason == "SpecError" for e in events)
    assert "repo sync: invalid:" in operator["log"].read_text()

    commit(checkout, {"fragile.job.jsonc": job("fixed", every="2h")}, sync_root)
    wait_for(
        lambda: (
            fragile_ready(api, namespace)
            and get(api, namespace, "jobs", "fragile")["spec"]["payload"] == [{"apiName": "fixed"}]
        ),
        FOLLOW_S,
        "the fixed file to be Ready",
    )

    commit(checkout, {"fragile.job.jsonc": None}, sync_root)
    wait_for(
        lambda: "fragile" not in {j["metadata"]["name"] for j in objects(api, namespace, "jobs")},
        FOLLOW_S + 30,
        "the Job to be removed with its file",
    )


def fragile_ready(api: client.ApiClient, namespace: str) -> bool:
    return (
        conditions({"status": status_of(api, namespace, "jobs", "fragile")}).get("Ready") == "True"
    )
