"""The Kubernetes launcher: one Pod per attempt, owned by its JobRun resource.

A Pod's name is derived from its attempt ID (deterministic: a restarted operator that launches
the same attempt again finds the Pod already there). Its spec holds no secret but its own
callback token: the worker fetches the attempt request (proxy credentials included) and asks for
AuthSession states through the operator's callback. Pods satisfy the ``restricted`` Pod Security
Standard: non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no
service-account token.

Outcomes arrive through the callback; a Pod that ends without reporting one (killed, OOM, node
lost) is reported as ``AttemptExited`` with its exit code when the operator sees its final phase.
Kubernetes API calls block, so they run in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException

from ..engine import (
    AttemptEvent,
    AttemptExited,
    AttemptRequest,
    AuthBroker,
)
from ..vocabulary import FINAL_WORKER_EVENTS
from .callback import CallbackServer, Handler, attempt_event

MANAGED_BY = "jobctl"
CREATE_WINDOW_S = 120.0
"""How long an attempt's Pod creation is retried while the API cannot take it."""
CREATE_RETRY_S = 0.5
LABELS = ("intuned.io/job", "intuned.io/jobrun", "intuned.io/run", "intuned.io/attempt")


def kube_name(engine_id: str) -> str:
    """Engine IDs (``jr_ab12``) as Kubernetes names (``jr-ab12``); names people gave (already
    valid) pass unchanged. The one mapping for JobRun resource names and Pod labels."""
    return engine_id.replace("_", "-").replace(".", "-").lower()


def pod_name(request: AttemptRequest) -> str:
    digest = hashlib.sha256(request.attempt_id.encode()).hexdigest()[:10]
    job = kube_name(request.job_id)[:40]  # a direct JobRun's one-off Job has "." and "_"
    return f"{job}-{digest}-{request.attempt_id.rsplit('.', 1)[-1]}"


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
    resources: dict[str, Any] = field(
        default_factory=lambda: {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"memory": "2Gi"},
        }
    )


@dataclass
class _Attempt:
    request: AttemptRequest
    token: str
    pod: str
    done: bool = False


OwnerOf = Callable[[AttemptRequest], dict[str, Any] | None]
"""The ownerReference (the JobRun resource) for an attempt's Pod, when known."""
WorkerOf = Callable[[str], dict[str, Any] | None]
"""A Job's ``spec.worker`` (image, imagePullPolicy, resources, nodeSelector), if it has one."""


class KubeLauncher:
    def __init__(
        self,
        core: CoreV1Api,
        settings: PodSettings,
        *,
        capacity: int,
        owner_of: OwnerOf,
        worker_of: WorkerOf = lambda _job_id: None,
    ) -> None:
        self.core = core
        self.settings = settings
        self.capacity = capacity
        self.owner_of = owner_of
        self.worker_of = worker_of
        self._queue: asyncio.Queue[AttemptEvent] = asyncio.Queue()
        self._attempts: dict[str, _Attempt] = {}
        self._by_pod: dict[str, str] = {}
        self._auth: AuthBroker | None = None
        self._server: CallbackServer | None = None
        self._creating: set[asyncio.Task[None]] = set()
        self.callback_url = settings.callback_url or ""
        """Where Pods report (set when the callback is served, unless configured)."""

    def use_auth(self, broker: AuthBroker) -> None:
        self._auth = broker

    def serve_callback(self, host: str, port: int) -> CallbackServer:
        """Start the callback server (on the running loop); Pods reach it as configured."""
        routes: dict[str, Handler] = {
            "/events": self._accept,
            "/auth": self._answer,
            "/attempt": self._request,
        }
        self._server = CallbackServer(asyncio.get_running_loop(), routes, host=host, port=port)
        self.callback_url = self.settings.callback_url or self._server.url(host)
        return self._server

    # --------------------------------------------------------------- launcher
    async def start(self, request: AttemptRequest) -> None:
        attempt = _Attempt(request, secrets.token_urlsafe(24), pod_name(request))
        self._attempts[request.attempt_id] = attempt
        self._by_pod[attempt.pod] = request.attempt_id
        manifest = self.pod_manifest(request, token=attempt.token)
        task = asyncio.create_task(self._create(attempt, manifest))
        self._creating.add(task)
        task.add_done_callback(self._creating.discard)

    async def _create(self, attempt: _Attempt, manifest: dict[str, Any]) -> None:
        """Create the attempt's Pod, retrying while the API cannot take it (unreachable,
        429, 5xx: an apiserver restarting) for up to ``CREATE_WINDOW_S``; then, or on a refusal,
        the attempt ends as an infrastructure failure, which the engine retries. A Pod created
        although its request seemed to fail finds its attempt gone: the callback refuses its
        token, so only the retry's result counts."""
        deadline = time.monotonic() + CREATE_WINDOW_S
        delay = CREATE_RETRY_S
        while not attempt.done:
            try:
                await asyncio.to_thread(
                    self.core.create_namespaced_pod, self.settings.namespace, manifest
                )
                return
            except ApiException as exc:
                if exc.status == 409:  # created before a restart; it reports as usual
                    return
                if exc.status != 429 and exc.status < 500:
                    break
            except Exception:  # the API unreachable
                pass
            if time.monotonic() + delay > deadline:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        self._end(attempt, AttemptExited(attempt.request.attempt_id, None))

    async def cancel(self, attempt_id: str) -> None:
        attempt = self._attempts.get(attempt_id)
        if attempt is None:
            return
        with contextlib.suppress(Exception):  # gone already, or the API unreachable
            await asyncio.to_thread(
                self.core.delete_namespaced_pod,
                attempt.pod,
                self.settings.namespace,
                grace_period_seconds=5,
            )
        self._end(attempt, AttemptExited(attempt_id, None))

    async def events(self) -> AsyncIterator[AttemptEvent]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        for task in list(self._creating):
            task.cancel()
        if self._server is not None:
            self._server.close()

    def observe_pod(self, name: str, phase: str | None, exit_code: int | None) -> None:
        """A Pod's phase as watched: a Pod that ended without an outcome is an exit."""
        attempt_id = self._by_pod.get(name)
        attempt = self._attempts.get(attempt_id or "")
        if attempt is not None and phase in ("Succeeded", "Failed"):
            self._end(attempt, AttemptExited(attempt.request.attempt_id, exit_code))

    async def remove_succeeded(self, name: str) -> None:
        """A Pod that exited 0 has reported its outcome through the callback: delete it, so
        that a 10,000-item JobRun does not leave 10,000 Pods behind. Failed Pods stay for
        ``kubectl logs`` until their JobRun (their owner) is deleted."""
        with contextlib.suppress(ApiException):
            await asyncio.to_thread(
                self.core.delete_namespaced_pod,
                name,
                self.settings.namespace,
                grace_period_seconds=0,
            )

    def _end(self, attempt: _Attempt, event: AttemptEvent) -> None:
        if attempt.done:
            return
        attempt.done = True
        self._attempts.pop(attempt.request.attempt_id, None)
        self._by_pod.pop(attempt.pod, None)
        if self._auth is not None:
            self._auth.attempt_ended(attempt.request.attempt_id)
        self._queue.put_nowait(event)

    # --------------------------------------------------------------- manifests
    def pod_manifest(self, request: AttemptRequest, *, token: str) -> dict[str, Any]:
        """The attempt's Pod; ``token`` authenticates the worker to the callback."""
        values = (
            request.job_id,
            kube_name(request.job_run_id),
            kube_name(request.run_id),
            request.attempt_id.rsplit(".", 1)[-1],
        )
        labels = {
            "app.kubernetes.io/managed-by": MANAGED_BY,
            **dict(zip(LABELS, values, strict=True)),
        }
        metadata: dict[str, Any] = {
            "name": pod_name(request),
            "namespace": self.settings.namespace,
            "labels": labels,
        }
        owner = self.owner_of(request)
        if owner is not None:
            metadata["ownerReferences"] = [owner]
        env = [
            {"name": "JOBCTL_CALLBACK", "value": self.callback_url},
            {"name": "JOBCTL_ATTEMPT_ID", "value": request.attempt_id},
            {"name": "JOBCTL_WORKER_TOKEN", "value": token},
            {"name": "JOBCTL_PROJECT", "value": self.settings.project},
            {"name": "JOBCTL_ARTIFACTS", "value": "/tmp/jobctl-attempts"},
            {"name": "HOME", "value": "/tmp"},  # the root filesystem is read-only
        ]
        worker = self.worker_of(request.job_id) or {}
        env += [v for v in worker.get("env") or [] if not v["name"].startswith("JOBCTL_")]
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
                "imagePullSecrets": [{"name": n} for n in self.settings.image_pull_secrets] or None,
                "containers": [
                    {
                        "name": "worker",
                        "image": worker.get("image") or self.settings.image,
                        "imagePullPolicy": worker.get("imagePullPolicy")
                        or self.settings.image_pull_policy,
                        "command": ["python", "-m", "controller.worker.pod"],
                        "env": env,
                        "resources": worker.get("resources") or self.settings.resources,
                        "securityContext": security,
                        "volumeMounts": [
                            {"name": "tmp", "mountPath": "/tmp"},
                            {"name": "shm", "mountPath": "/dev/shm"},
                        ],
                    }
                ],
                # Chromium needs a writable /tmp and a /dev/shm larger than a runtime's 64 MiB.
                "volumes": [
                    {"name": "tmp", "emptyDir": {}},
                    {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
                ],
            },
        }

    # ---------------------------------------------------------------- callback
    def _attempt_for(self, token: str, body: dict[str, Any]) -> _Attempt | None:
        attempt = self._attempts.get(str(body.get("attempt_id")))
        if attempt is None or not secrets.compare_digest(attempt.token, token):
            return None
        return attempt

    async def _request(self, token: str, body: dict[str, Any]) -> dict[str, Any] | None:
        attempt = self._attempt_for(token, body)
        return None if attempt is None else asdict(attempt.request)

    async def _answer(self, token: str, body: dict[str, Any]) -> dict[str, Any] | None:
        attempt = self._attempt_for(token, body)
        if attempt is None or self._auth is None:
            return None
        return await self._auth.handle(attempt.request.attempt_id, body)

    async def _accept(self, token: str, payload: dict[str, Any]) -> bool:
        attempt = self._attempt_for(token, payload)
        if attempt is None:
            return False
        event = attempt_event(attempt.request.attempt_id, payload)
        if event is None:
            return False
        if payload.get("type") in FINAL_WORKER_EVENTS:
            self._end(attempt, event)
        else:
            self._queue.put_nowait(event)
        return True
