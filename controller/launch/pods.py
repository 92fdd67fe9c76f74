"""What every worker Pod shares, whether it runs one attempt or serves a pool: its settings, its
spec, and how it is created while the API may be away.

Pods satisfy the ``restricted`` Pod Security Standard: non-root, no privilege escalation, all
capabilities dropped, RuntimeDefault seccomp, no service-account token, a read-only root
filesystem with ``/tmp`` and a memory-backed ``/dev/shm`` (Chromium needs both). Their spec holds
no secret but their own callback token: the worker fetches attempt requests (proxy credentials
included) and AuthSession states through the operator's callback.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException

from ..vocabulary import WorkerMode

MANAGED_BY = "jobctl"
CREATE_WINDOW_S = 120.0
"""How long a Pod's creation is retried while the API cannot take it."""
CREATE_RETRY_S = 0.5


def kube_name(engine_id: str) -> str:
    """Engine IDs (``jr_ab12``) as Kubernetes names (``jr-ab12``); names people gave (already
    valid) pass unchanged. The one mapping for JobRun resource names and Pod labels."""
    return engine_id.replace("_", "-").replace(".", "-").lower()


@dataclass(frozen=True)
class PoolSettings:
    minimum: int = 1
    """Pods each pool keeps warm when idle: the default pool's from the operator's start,
    another's once a JobRun has used it."""
    maximum: int = 10
    idle_timeout_s: float = 300.0
    attempts_per_pod: int = 4
    resources: dict[str, Any] = field(
        default_factory=lambda: {
            "requests": {"cpu": "1", "memory": "2Gi"},
            "limits": {"memory": "4Gi"},
        }
    )
    """Of each pool Pod (it runs ``attempts_per_pod`` attempts in one Chromium)."""


@dataclass(frozen=True)
class PodSettings:
    namespace: str
    callback_url: str | None = None
    """The operator's callback as Pods reach it (its Service in a cluster; None: the address
    the callback server listens on)."""
    image: str = "ghcr.io/jobctl/worker:latest"
    image_pull_policy: str = "IfNotPresent"
    image_pull_secrets: tuple[str, ...] = ()
    project: str = "/project"
    env: tuple[dict[str, Any], ...] = ()
    """Environment of every worker container for the project's code (values or Secret
    references); a Job's ``spec.worker.env`` wins by name."""
    resources: dict[str, Any] = field(
        default_factory=lambda: {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"memory": "2Gi"},
        }
    )
    """Of each attempt's Pod (mode ``pod``)."""
    mode: WorkerMode = "pool"
    """For Jobs whose ``spec.worker.mode`` is unset."""
    pool: PoolSettings = PoolSettings()


def _project_env(
    defaults: tuple[dict[str, Any], ...], job: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The operator's defaults, then the Job's, one per name (the Job's wins); never one of the
    worker's own ``JOBCTL_`` variables."""
    by_name = {v["name"]: v for v in [*defaults, *job] if not v["name"].startswith("JOBCTL_")}
    return list(by_name.values())


def worker_pod(
    settings: PodSettings,
    *,
    name: str,
    labels: dict[str, str],
    owner: dict[str, Any] | None,
    command: list[str],
    env: list[dict[str, Any]],
    worker: dict[str, Any],
    resources: dict[str, Any],
) -> dict[str, Any]:
    """A worker Pod: ``env`` is the operator's (callback, token, ...), ``worker`` a Job's
    ``spec.worker`` (its env, image, pull policy, node selector, resources win)."""
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": settings.namespace,
        "labels": {"app.kubernetes.io/managed-by": MANAGED_BY, **labels},
    }
    if owner is not None:
        metadata["ownerReferences"] = [owner]
    env = [
        *env,
        {"name": "JOBCTL_PROJECT", "value": settings.project},
        {"name": "JOBCTL_ARTIFACTS", "value": "/tmp/jobctl-attempts"},
        {"name": "HOME", "value": "/tmp"},  # the root filesystem is read-only
        *_project_env(settings.env, worker.get("env") or []),
    ]
    security = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "readOnlyRootFilesystem": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": {
                "runAsNonRoot": True,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "nodeSelector": worker.get("nodeSelector") or None,
            "imagePullSecrets": [{"name": n} for n in settings.image_pull_secrets] or None,
            "containers": [
                {
                    "name": "worker",
                    "image": worker.get("image") or settings.image,
                    "imagePullPolicy": worker.get("imagePullPolicy") or settings.image_pull_policy,
                    "command": command,
                    "env": env,
                    "resources": worker.get("resources") or resources,
                    "securityContext": security,
                    "volumeMounts": [
                        {"name": "tmp", "mountPath": "/tmp"},
                        {"name": "shm", "mountPath": "/dev/shm"},
                    ],
                }
            ],
            "volumes": [
                {"name": "tmp", "emptyDir": {}},
                {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
            ],
        },
    }


async def create_pod(
    core: CoreV1Api, namespace: str, manifest: dict[str, Any], give_up: Callable[[], bool]
) -> str | None:
    """Create a Pod, retrying while the API cannot take it (unreachable, 429, 5xx: an apiserver
    restarting) for up to ``CREATE_WINDOW_S`` or until ``give_up()``. None when it exists
    (created now, or before a restart: 409); otherwise why not."""
    deadline = time.monotonic() + CREATE_WINDOW_S
    delay = CREATE_RETRY_S
    why = "given up"
    while not give_up():
        try:
            await asyncio.to_thread(core.create_namespaced_pod, namespace, manifest)
            return None
        except ApiException as exc:
            if exc.status == 409:
                return None
            why = f"{exc.status} {exc.reason}"
            if exc.status != 429 and exc.status < 500:
                return why
        except Exception as exc:  # the API unreachable
            why = f"the API is unreachable ({type(exc).__name__})"
        if time.monotonic() + delay > deadline:
            return why
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)
    return why
