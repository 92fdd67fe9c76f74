"""The Kubernetes launcher: attempts run in warm pool Pods (``pool.py``) or in a Pod each.

The mode is a Job's ``spec.worker.mode``, else the operator's default. A Pod per attempt is
owned by its JobRun resource and named from the attempt ID (deterministic: a restarted operator
that launches the same attempt again finds the Pod already there); it is the strongest isolation
(a process, a browser and resources per attempt) and costs a Pod start per attempt.

Outcomes arrive through the callback, authenticated per attempt: by the attempt Pod's own token,
or by the token of the pool Pod the attempt was handed to. A Pod that ends without reporting an
outcome (killed, OOM, node lost) makes its attempts ``AttemptExited`` with its exit code when the
operator sees it end. Kubernetes API calls block, so they run in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException

from ..engine import (
    ArtifactStore,
    AttemptAdopter,
    AttemptEvent,
    AttemptExited,
    AttemptHeartbeat,
    AttemptRequest,
    AuthBroker,
    BrowserLauncher,
)
from ..vocabulary import ATTEMPT_POD_LABELS, FINAL_WORKER_EVENTS, POOL_LABEL
from .callback import ARTIFACTS_PATH, CallbackServer, Handler, LauncherArtifacts
from .credentials import Credentials
from .pods import MANAGED_BY, PodSettings, create_pod, kube_name, worker_pod
from .pool import WorkerPools

__all__ = ["MANAGED_BY", "KubeLauncher", "PodSettings", "kube_name", "pod_name"]


def pod_name(request: AttemptRequest) -> str:
    digest = hashlib.sha256(request.attempt_id.encode()).hexdigest()[:10]
    job = kube_name(request.job_id)[:40]  # a direct JobRun's one-off Job has "." and "_"
    return f"{job}-{digest}-{request.attempt_id.rsplit('.', 1)[-1]}"


@dataclass
class _Attempt:
    request: AttemptRequest
    token: str
    """Its Pod's (mode ``pod``); empty for a pooled attempt (its pool Pod's token counts)."""
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
        pool_key_material: bytes = b"",
        say: Callable[[str], None] = print,
    ) -> None:
        """``pool_key_material``: what pool Pods' tokens derive from (kept across restarts)."""
        self.core = core
        self.settings = settings
        self.capacity = capacity
        self.owner_of = owner_of
        self.worker_of = worker_of
        self._queue: asyncio.Queue[AttemptEvent] = asyncio.Queue()
        self._attempts: dict[str, _Attempt] = {}
        self._by_pod: dict[str, str] = {}
        self._tokens: set[str] = set()
        """Tokens of the attempt Pods in flight (a pool Pod's is checked by ``pools.knows``)."""
        self._auth: AuthBroker | None = None
        self._artifacts = LauncherArtifacts()
        self._server: CallbackServer | None = None
        self._creating: set[asyncio.Task[None]] = set()
        self._taken_back = False
        """Whether the attempts of the controller before this one were taken back (``expect``):
        until then the callback asks Pods to try again."""
        key = pool_key_material or secrets.token_bytes(32)
        self._pod_attempt_tokens = Credentials(key, "pod-attempt")
        self.pools = WorkerPools(
            core,
            settings.namespace,
            settings.pool,
            key=key,
            manifest=self.pool_pod_manifest,
            command=self.command,
            lost=self._lost,
            resumed=lambda attempt_id: self._queue.put_nowait(AttemptHeartbeat(attempt_id)),
            callback=lambda: self.callback_url,
            say=say,
        )
        self.callback_url = settings.callback_url or ""
        """Where Pods report (set when the callback is served, unless configured)."""

    @property
    def browsers(self) -> BrowserLauncher:
        return self

    @property
    def adopter(self) -> AttemptAdopter:
        return self

    def attach(self, auth: AuthBroker, artifacts: ArtifactStore) -> None:
        self._auth, self._artifacts.store = auth, artifacts

    def serve_callback(self, host: str, port: int) -> CallbackServer:
        """Start the callback server (on the running loop); Pods reach it as configured."""
        routes: dict[str, Handler] = {
            "/events": self._accept,
            "/auth": self._answer,
            "/attempt": self._request,
            "/work": self.pools.pull,
            ARTIFACTS_PATH: self._owns,
        }
        loop = asyncio.get_running_loop()
        receive = self._artifacts.receive
        self._server = CallbackServer(
            loop,
            routes,
            receive=receive,
            known=self._known,
            host=host,
            port=port,
            accepting=self._taken_back,
        )
        self.callback_url = self.settings.callback_url or self._server.url(host)
        return self._server

    async def start_pools(self) -> None:
        """At the operator's start: adopt the pools' Pods, then warm the default pool (Jobs
        without ``spec.worker``) to its minimum, so that a first JobRun finds a Pod ready."""
        await self.pools.adopt()
        if self.settings.mode == "pool":
            self.pools.warm(self._template({}))

    # --------------------------------------------------------------- launcher
    async def start(self, request: AttemptRequest) -> None:
        worker = self.worker_of(request.job_id) or {}
        if (worker.get("mode") or self.settings.mode) == "pool":
            self._hold_pooled(request)
            self.pools.submit(request, self._template(worker))
            return
        attempt = self._hold_in_pod(request)
        manifest = self.pod_manifest(request, token=attempt.token)
        task = asyncio.create_task(self._create(attempt, manifest))
        self._creating.add(task)
        task.add_done_callback(self._creating.discard)

    def expect(self, requests: Sequence[AttemptRequest]) -> set[str]:
        """Attempts in flight at the last stop: their Pods may still run them (a pool Pod says so
        at its next poll; a Pod of its own is watched), or hold their outcomes and resend them.
        Their credentials derive from the launcher's key, so they are the same as before."""
        for request in requests:
            worker = self.worker_of(request.job_id) or {}
            if (worker.get("mode") or self.settings.mode) == "pool":
                self._hold_pooled(request)
                self.pools.expect(request)
            else:
                self._hold_in_pod(request)
        self._taken_back = True
        if self._server is not None:  # Pods may report now: their attempts are known
            self._server.accept()
        return {request.attempt_id for request in requests}

    def _hold_pooled(self, request: AttemptRequest) -> None:
        attempt = _Attempt(request, self.pools.attempt_token(request.attempt_id), "")
        self._attempts[request.attempt_id] = attempt
        self._tokens.add(attempt.token)

    def _hold_in_pod(self, request: AttemptRequest) -> _Attempt:
        """An attempt of a Pod of its own, whose token derives from the launcher's key (kept
        across restarts), so a restarted operator knows the Pod's token without reading it."""
        token = self._pod_attempt_tokens.mint(request.attempt_id)
        attempt = _Attempt(request, token, pod_name(request))
        self._attempts[request.attempt_id] = attempt
        self._tokens.add(attempt.token)
        self._by_pod[attempt.pod] = request.attempt_id
        return attempt

    async def _create(self, attempt: _Attempt, manifest: dict[str, Any]) -> None:
        """Then, or on a refusal, the attempt ends as an infrastructure failure, which the
        engine retries. A Pod created although its request seemed to fail finds its attempt
        gone: the callback refuses its token, so only the retry's result counts."""
        namespace = self.settings.namespace
        if await create_pod(self.core, namespace, manifest, lambda: attempt.done) is not None:
            self._end(attempt, AttemptExited(attempt.request.attempt_id, None))

    async def cancel(self, attempt_id: str) -> None:
        attempt = self._attempts.get(attempt_id)
        if attempt is None:
            return
        if not attempt.pod:  # pooled: over once it reports ``cancelled`` (or its Pod dies)
            if self.pools.withdraw(attempt_id):
                self._end(attempt, AttemptExited(attempt_id, None))
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
        self.pools.close()
        if self._server is not None:
            self._server.close()

    def observe_pod(
        self, name: str, phase: str | None, exit_code: int | None, *, deleted: bool = False
    ) -> None:
        """A Pod's phase as watched: a Pod that ended (or went) without an outcome is an
        exit of its attempts."""
        if not (deleted or phase in ("Succeeded", "Failed")):
            return
        if self.pools.is_pool_pod(name):
            self.pools.pod_gone(name, exit_code)
            return
        attempt = self._attempts.get(self._by_pod.get(name) or "")
        if attempt is not None:
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

    def _lost(self, attempt_id: str, exit_code: int | None) -> None:
        attempt = self._attempts.get(attempt_id)
        if attempt is not None:
            self._end(attempt, AttemptExited(attempt_id, exit_code))

    def _end(self, attempt: _Attempt, event: AttemptEvent) -> None:
        if attempt.done:
            return
        attempt.done = True
        self._artifacts.attempt_ended(attempt.request.attempt_id)
        self._attempts.pop(attempt.request.attempt_id, None)
        self._tokens.discard(attempt.token)
        if attempt.pod:
            self._by_pod.pop(attempt.pod, None)
        else:
            self.pools.release(attempt.request.attempt_id)
        if self._server is not None:
            self._server.forget(attempt.request.attempt_id)
        if self._auth is not None:
            self._auth.attempt_ended(attempt.request.attempt_id)
        self._queue.put_nowait(event)

    # --------------------------------------------------------------- manifests
    def _template(self, worker: dict[str, Any]) -> dict[str, Any]:
        """What makes two Jobs' pool Pods interchangeable (the pool's key)."""
        settings = self.settings
        return {
            "image": worker.get("image") or settings.image,
            "imagePullPolicy": worker.get("imagePullPolicy") or settings.image_pull_policy,
            "resources": worker.get("resources") or settings.pool.resources,
            "nodeSelector": worker.get("nodeSelector") or {},
            "env": worker.get("env") or [],
        }

    def pool_pod_manifest(
        self, name: str, key: str, template: dict[str, Any], token: str
    ) -> dict[str, Any]:
        env = [
            {"name": "JOBCTL_CALLBACK", "value": self.callback_url},
            {"name": "JOBCTL_POD_NAME", "value": name},
            {"name": "JOBCTL_POOL", "value": key},
            {"name": "JOBCTL_WORKER_TOKEN", "value": token},
            {
                "name": "JOBCTL_ATTEMPTS_PER_WORKER",
                "value": str(self.settings.pool.attempts_per_pod),
            },
        ]
        return worker_pod(
            self.settings,
            name=name,
            labels={POOL_LABEL: key},
            owner=None,
            command=["python", "-m", "controller.worker.pool"],
            env=env,
            worker=template,
            resources=self.settings.pool.resources,
        )

    def pod_manifest(self, request: AttemptRequest, *, token: str) -> dict[str, Any]:
        """The attempt's Pod; ``token`` authenticates the worker to the callback."""
        values = (
            request.job_id,
            kube_name(request.job_run_id),
            kube_name(request.run_id),
            request.attempt_id.rsplit(".", 1)[-1],
        )
        env = [
            {"name": "JOBCTL_CALLBACK", "value": self.callback_url},
            {"name": "JOBCTL_ATTEMPT_ID", "value": request.attempt_id},
            {"name": "JOBCTL_WORKER_TOKEN", "value": token},
        ]
        return worker_pod(
            self.settings,
            name=pod_name(request),
            labels=dict(zip(ATTEMPT_POD_LABELS, values, strict=True)),
            owner=self.owner_of(request),
            command=["python", "-m", "controller.worker.pod"],
            env=env,
            worker=self.worker_of(request.job_id) or {},
            resources=self.settings.resources,
        )

    # ---------------------------------------------------------------- callback
    def _known(self, token: str) -> bool:
        """A token of an attempt in flight (its Pod's, or its own in a pool), or of a pool Pod
        of this operator's key (``/work`` only)."""
        return token in self._tokens or self.pools.knows(token)

    def _attempt_for(self, token: str, body: dict[str, Any]) -> _Attempt | None:
        attempt = self._attempts.get(str(body.get("attempt_id")))
        if attempt is None:
            return None
        return attempt if secrets.compare_digest(attempt.token, token) else None

    async def _request(self, token: str, body: dict[str, Any]) -> dict[str, Any] | None:
        attempt = self._attempt_for(token, body)
        return None if attempt is None else self.command(attempt.request)

    def command(self, request: AttemptRequest) -> dict[str, Any]:
        """What a Pod is told to run: the request, and where its artifacts go."""
        return self._artifacts.command(request, callback=self.callback_url)

    async def _owns(self, token: str, body: dict[str, Any]) -> bool:
        attempt = self._attempt_for(token, body)
        return attempt is not None and attempt.request.job_run_id == body.get("job_run_id")

    async def _answer(self, token: str, body: dict[str, Any]) -> dict[str, Any] | None:
        attempt = self._attempt_for(token, body)
        if attempt is None or self._auth is None:
            return None
        return await self._auth.handle(attempt.request.attempt_id, body)

    async def _accept(self, token: str, payload: dict[str, Any]) -> bool:
        attempt = self._attempt_for(token, payload)
        if attempt is None:
            return False
        request = attempt.request
        if payload.get("type") == "log":
            self._artifacts.live_log(request.attempt_id, payload)
            return True
        link = self._artifacts.link(request.job_run_id, request.attempt_id)
        assert self._server is not None  # an event came through it
        event = self._server.event(request.attempt_id, payload, link)
        if event is None:
            return False
        if payload.get("type") in FINAL_WORKER_EVENTS:
            self._end(attempt, event)
        else:
            self._queue.put_nowait(event)
        return True
