"""``jobctl apply``: a resources folder onto a namespace, by server-side apply.

Every file is validated first; one invalid file and nothing is sent (exit 1), so a broken
commit never half-applies. Resources are applied with field manager ``jobctl`` (forcing
ownership of the fields the files define, so a hand edit of those fields is overwritten), then,
with ``--prune``, ``code``-sourced resources without a file are deleted. ``--dry-run`` sends the
same requests with ``dryRun=All``: the apiserver validates them (CRD schema, admission) and
stores nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient, CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..spec import LoadResult
from ..spec.loader import JOB_FILE_SUFFIXES
from ..vocabulary import GROUP, VERSION
from .desired import KINDS, Change, Desired, desired_resources, plan, resource_body

FIELD_MANAGER = "jobctl"


class ApplyError(Exception):
    """The cluster refused a request; the message names the resource and the reason."""


def desired_from(result: LoadResult, root: Path) -> list[Desired]:
    """The folder's Jobs and AuthSessions: the very documents ``result`` validated (the files may
    have been rewritten since; reading them again would send an unvalidated version). ``root``:
    ``repository_root`` of the folder, which paths are shown relative to."""
    jobs = {
        j.job_id: (dict(j.document), repository_path(j.file, root))
        for j in result.jobs
        if j.file.endswith(JOB_FILE_SUFFIXES)
    }  # manifests are kubectl's to apply
    sessions = {
        s.session_id: (dict(s.document), repository_path(s.file, root))
        for s in result.auth_sessions
    }
    return desired_resources(jobs, sessions)


def apply(
    api: ApiClient,
    desired: list[Desired],
    *,
    namespace: str,
    commit: str | None,
    prune: bool,
    dry_run: bool,
) -> list[Change]:
    custom = CustomObjectsApi(api)
    changes = plan(desired, existing_resources(custom, namespace), prune=prune)
    by_name = {(d.plural, d.name): d for d in desired}
    extra: dict[str, Any] = {"dry_run": "All"} if dry_run else {}
    for change in changes:
        try:
            if change.action == "pruned":
                custom.delete_namespaced_custom_object(
                    GROUP, VERSION, namespace, change.plural, change.name, **extra
                )
            else:
                body = resource_body(by_name[(change.plural, change.name)], namespace, commit)
                _server_side_apply(api, namespace, change.plural, body, dry_run=dry_run)
        except ApiException as exc:
            raise ApplyError(f"{change.plural}/{change.name}: {_reason(exc)}") from None
    return changes


def _server_side_apply(
    api: ApiClient, namespace: str, plural: str, body: dict[str, Any], *, dry_run: bool
) -> None:
    """A server-side apply PATCH (the generated client cannot choose that content type for
    custom objects, so the request is made through its ``call_api``)."""
    query = [("fieldManager", FIELD_MANAGER), ("force", "true")]
    if dry_run:
        query.append(("dryRun", "All"))
    api.call_api(
        f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{plural}/{body['metadata']['name']}",
        "PATCH",
        query_params=query,
        body=body,
        auth_settings=["BearerToken"],
        header_params={
            "Content-Type": "application/apply-patch+yaml",
            "Accept": "application/json",
        },
        response_type="object",
        _return_http_data_only=True,
    )


def commit_of(folder: Path) -> str | None:
    """The commit the folder is checked out at, when it is inside a git work tree."""
    found = _git(folder, "rev-parse", "HEAD")
    return found or None


def existing_resources(custom: CustomObjectsApi, namespace: str) -> list[dict[str, Any]]:
    """The namespace's Jobs and AuthSessions, each with its ``kind``."""
    found = []
    for plural, kind in KINDS.items():
        try:
            listed = custom.list_namespaced_custom_object(GROUP, VERSION, namespace, plural)
        except ApiException as exc:
            raise ApplyError(f"cannot list {plural} in {namespace}: {_reason(exc)}") from None
        found += [{**item, "kind": kind} for item in listed["items"]]
    return found


def repository_path(file: str, root: Path) -> str:
    """The file's path as resources and their problems show it: relative to ``root`` (from
    ``repository_root``) when inside it, so not the checkout's own location (git-sync's is a
    worktree named after the commit)."""
    path = Path(file).resolve()
    try:
        return str(path.relative_to(root.resolve()))
    except ValueError:
        return str(path)


def repository_root(folder: Path) -> Path:
    """The top of the git checkout holding ``folder``; ``folder`` itself outside git."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    return Path(top) if top else folder


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _reason(exc: ApiException) -> str:
    """The apiserver's own message (it names the invalid field), else the HTTP status."""
    try:
        message = json.loads(exc.body or "{}").get("message")
    except ValueError:
        message = None
    return str(message or f"HTTP {exc.status} {exc.reason}")
