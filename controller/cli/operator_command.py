"""``jobctl operator``: argument parsing only; the operator (kopf, the Kubernetes client) is
imported when the command runs, so the other commands start without that weight."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import WORKER_MODES
from . import api_serving, delivery_options, store_options

if TYPE_CHECKING:
    from ..operator.settings import OperatorSettings


def register(commands: Any) -> None:
    op = commands.add_parser(
        "operator",
        help="run the Kubernetes operator",
        description="Reconcile Job resources in NAMESPACE into JobRuns and "
        "attempt Pods, and report status on the resources.",
    )
    op.add_argument("--namespace", default="default")
    op.add_argument("--kubeconfig", help="default: $KUBECONFIG, ~/.kube/config or in-cluster")
    op.add_argument(
        "--state",
        type=Path,
        default=Path(".jobctl-operator"),
        help="engine state and results (a PersistentVolume in a cluster)",
    )
    store_options.add_options(op)
    op.add_argument("--max-workers", type=int, default=10, help="attempts at once")
    op.add_argument("--callback-listen", default="0.0.0.0:8643", metavar="HOST:PORT")
    op.add_argument(
        "--callback-url",
        metavar="URL",
        help="the callback as Pods reach it (default: http://LISTEN)",
    )
    op.add_argument("--worker-image", default="ghcr.io/jobctl/worker:latest")
    op.add_argument(
        "--worker-image-pull-policy",
        default="IfNotPresent",
        choices=["Always", "IfNotPresent", "Never"],
    )
    op.add_argument(
        "--worker-image-pull-secret",
        action="append",
        default=[],
        metavar="NAME",
        help="imagePullSecrets of worker Pods (repeatable)",
    )
    op.add_argument(
        "--worker-resources",
        type=_json_object,
        metavar="JSON",
        help='default resources of worker containers, e.g. {"requests": {"cpu": '
        '"500m"}} (a Job\'s spec.worker.resources wins)',
    )
    op.add_argument(
        "--worker-env",
        type=_env_list,
        default=[],
        metavar="JSON",
        help="environment of every worker container for the project's code, as in a Pod: "
        '[{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}] '
        "(a Job's spec.worker.env wins by name)",
    )
    op.add_argument(
        "--worker-mode",
        choices=WORKER_MODES,
        default="pool",
        help="how attempts run unless a Job's spec.worker.mode says: pool (warm worker Pods "
        "that pull attempts) or pod (a Pod per attempt) (default: %(default)s)",
    )
    op.add_argument(
        "--pool-min",
        type=_count(0),
        default=1,
        metavar="N",
        help="Pods each pool keeps warm when idle (the default pool's from the start)",
    )
    op.add_argument("--pool-max", type=_count(1), default=10, metavar="N", help="Pods per pool")
    op.add_argument(
        "--pool-idle-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="retire a pool Pod after this long without an attempt",
    )
    op.add_argument(
        "--pool-attempts-per-pod",
        type=_count(1),
        default=4,
        metavar="N",
        help="attempts a pool Pod runs at once (one Chromium, a context each)",
    )
    op.add_argument(
        "--pool-resources",
        type=_json_object,
        metavar="JSON",
        help="default resources of pool Pods (a Job's spec.worker.resources wins)",
    )
    op.add_argument("--project", default="/project", help="the automation project in Pods")
    api_serving.add_identity_options(op, workspace="cluster", project="namespace")
    op.add_argument("--verbose", action="store_true", help="kopf's own log at INFO")
    op.add_argument(
        "--peering",
        default="jobctl",
        metavar="NAME",
        help="kopf peering and Lease name: of several replicas only one acts; "
        "'off' for a single replica (default: %(default)s)",
    )
    op.add_argument(
        "--liveness",
        metavar="HOST:PORT",
        help="serve kopf's liveness probe on http://HOST:PORT/healthz",
    )
    op.add_argument(
        "--scan-cluster",
        action="store_true",
        help="watch CRDs and namespaces cluster-wide (needs cluster-wide list/watch "
        "of both) so that CRDs installed later are served without a restart; off, "
        "the resources present at start are served (the chart's RBAC)",
    )
    op.add_argument(
        "--sync-dir",
        type=Path,
        metavar="DIR",
        help="a resources folder (kept current by git-sync) whose job and "
        "AuthSession files become code-sourced resources",
    )
    op.add_argument(
        "--sync-root",
        type=Path,
        metavar="DIR",
        help="the folder to watch for changes (git-sync's --root, which holds the "
        "symlink it swaps); default: --sync-dir",
    )
    delivery_options.add_options(op)
    api_serving.add_options(op)
    op.set_defaults(handler=run_operator)


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def _env_list(text: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    named = isinstance(value, list) and all(
        isinstance(v, dict) and isinstance(v.get("name"), str) for v in value
    )
    if not named:
        raise argparse.ArgumentTypeError("must be a JSON list of {name, value | valueFrom}")
    return list(value)


def _count(least: int) -> Any:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {least}")
        return int(text)

    return parse


def run_operator(args: argparse.Namespace) -> int:
    if args.pool_min > args.pool_max:
        print("jobctl operator: --pool-min is above --pool-max; lower it", file=sys.stderr)
        return 2
    try:
        settings = operator_settings(args)
    except ValueError as exc:
        print(f"jobctl operator: {exc}", file=sys.stderr)
        return 2
    if warning := store_options.unshared_files(settings.store_location, args):
        print(f"jobctl operator: {warning}", file=sys.stderr)
    from ..operator.main import run_operator as run  # noqa: PLC0415  (deliberately lazy)

    def serve_api(runtime: Any, control: Any, checks: Any) -> Any:
        return api_serving.start_api(args, runtime, control, checks=checks)

    return run(settings, serve_api)


def operator_settings(args: argparse.Namespace) -> OperatorSettings:
    """The typed settings, from the options (the only place that reads them); raises
    ``ValueError`` saying which option is wrong."""
    from ..engine import Identity  # noqa: PLC0415  (the operator's weight, when it runs)
    from ..launch.pods import PodSettings, PoolSettings  # noqa: PLC0415
    from ..operator.settings import OperatorSettings  # noqa: PLC0415

    pool = PoolSettings(
        minimum=args.pool_min,
        maximum=args.pool_max,
        idle_timeout_s=args.pool_idle_timeout,
        attempts_per_pod=args.pool_attempts_per_pod,
    )
    if args.pool_resources is not None:
        pool = replace(pool, resources=args.pool_resources)
    pods = PodSettings(
        namespace=args.namespace,
        callback_url=args.callback_url,
        image=args.worker_image,
        image_pull_policy=args.worker_image_pull_policy,
        image_pull_secrets=tuple(args.worker_image_pull_secret),
        project=args.project,
        env=tuple(args.worker_env),
        mode=args.worker_mode,
        pool=pool,
    )
    if args.worker_resources is not None:
        pods = replace(pods, resources=args.worker_resources)
    return OperatorSettings(
        state=args.state,
        store=store_options.store_location(args),
        max_workers=args.max_workers,
        identity=Identity.named(args.workspace_id, args.namespace, args.project_id),
        delivery=delivery_options.delivery_settings(args),
        **delivery_options.results_settings(args),
        namespace=args.namespace,
        pods=pods,
        kubeconfig=args.kubeconfig,
        callback_listen=args.callback_listen,
        liveness=args.liveness,
        peering=args.peering,
        scan_cluster=args.scan_cluster,
        sync_dir=args.sync_dir,
        sync_root=args.sync_root,
        verbose=args.verbose,
    )
