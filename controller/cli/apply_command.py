"""``jobctl apply DIR``: validate a resources folder, then server-side apply it (for CI).

The Kubernetes client is imported only when the command runs (see ``operator_command``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..spec import load_paths


def register(commands: Any) -> None:
    cmd = commands.add_parser(
        "apply",
        help="validate job files, then apply them to a cluster (for CI pipelines)",
        description="Validate every job and AuthSession file under DIR; if all are valid, "
        "server-side apply them as Job and AuthSession resources (field manager 'jobctl', "
        "labelled intuned.io/source=code, annotated with their path and commit) and print what "
        "changed. Exit 1 on any invalid file, before touching the cluster.",
    )
    cmd.add_argument("folder", type=Path, metavar="DIR", help="e.g. intuned-resources")
    cmd.add_argument("--namespace", help="default: the kubeconfig context's, else 'default'")
    cmd.add_argument("--kubeconfig", help="default: $KUBECONFIG, ~/.kube/config or in-cluster")
    cmd.add_argument(
        "--prune", action="store_true", help="delete code-sourced resources whose file is gone"
    )
    cmd.add_argument(
        "--dry-run", action="store_true", help="let the apiserver check every change, store nothing"
    )
    cmd.add_argument("--commit", help="recorded on each resource (default: git rev-parse HEAD)")
    cmd.set_defaults(handler=run_apply)


def run_apply(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        print(f"{args.folder}: no such folder; give the resources folder, e.g. intuned-resources")
        return 1
    result = load_paths([args.folder])
    if result.problems:
        for problem in sorted(result.problems, key=lambda p: (p.file, p.position)):
            print(problem)
        print(f"{len(result.problems)} problem(s); nothing was applied")
        return 1
    from kubernetes.config import ConfigException  # noqa: PLC0415  (deliberately lazy)

    from ..gitops.apply import (  # noqa: PLC0415
        ApplyError,
        apply,
        commit_of,
        desired_from,
        repository_root,
    )
    from ..kubeclient import api_client  # noqa: PLC0415

    try:
        api, namespace = api_client(args.kubeconfig)
    except (ConfigException, OSError) as exc:
        print(f"cannot reach a cluster: {exc}; pass --kubeconfig or set KUBECONFIG")
        return 2
    namespace = args.namespace or namespace
    desired = desired_from(result, repository_root(args.folder))
    commit = args.commit or commit_of(args.folder)
    try:
        changes = apply(
            api, desired, namespace=namespace, commit=commit, prune=args.prune, dry_run=args.dry_run
        )
    except ApplyError as exc:
        print(f"error: {exc}")
        return 1
    suffix = " (server dry run)" if args.dry_run else ""
    for change in changes:
        print(f"{change}{suffix}")
    return 0
