"""Worker pools: long-lived worker Pods, each with one warm Chromium, that pull attempts.

A pool is the set of Pods of one worker template (image, pull policy, resources, node selector,
env): Jobs with the same template share it. Its Pods are named ``jobctl-pool-<key>-<index>``
and labelled with the pool's key, so a restarted operator finds them again (listing them, a
409 on creating one, or a pull from one) and never makes a second Pod for an index.

Each Pod runs ``python -m controller.worker.pool``: it keeps one long poll open on the callback
(``POST /work``) and is answered with attempts to start, attempts to cancel, or ``exit``. The
operator does the bookkeeping: an attempt is assigned to the ready Pod with the fewest (at most
``attempts_per_pod``), and ends with its final event, with its Pod's death (an infrastructure
failure the engine retries) or, cancelled, with ``cancelled`` (the Pod is deleted if the attempt
ignores its cancellation for ``CANCEL_GRACE_S``).

Scaling: a pool wants ceil((queued + assigned) / attempts_per_pod) Pods, within [minimum,
maximum]. It creates them as soon as attempts queue (when a JobRun starts), replaces Pods that
die, and retires only Pods that have had no attempt for ``idle_timeout_s``: a Pod is retired
only while nothing is assigned to it, on the event loop that assigns, so a busy Pod is never
deleted.

A Pod's callback token is an HMAC of its name under a key kept in the state folder: it survives
operator restarts (adopted Pods keep reporting) and no list of tokens needs storing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException

from ..engine import AttemptRequest
from ..vocabulary import POOL_LABEL
from .credentials import Credentials
from .pods import PoolSettings, create_pod

PULL_WAIT_S = 20.0
"""How long a Pod's poll is held open when there is nothing for it."""
CANCEL_GRACE_S = 10.0
RECONCILE_S = 2.0
"""How often idle Pods are looked at for retirement."""
ADOPTED_GRACE_S = 30.0
"""A Pod found after a restart is not idle before this: the engine resumes its JobRuns first."""
READY_TIMEOUT_S = 300.0
"""A Pod that has not polled this long after it was made or found (an image that cannot be
pulled, a Pod that cannot be scheduled, one that cannot reach the callback) is replaced."""


def pool_key(template: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


def pool_pod_name(key: str, index: int) -> str:
    return f"jobctl-pool-{key}-{index}"


def load_or_create_key(path: Path) -> bytes:
    """The key pool Pods' tokens derive from, made once (0600) and kept with the state."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


@dataclass
class _PoolPod:
    name: str
    key: str
    token: str
    idle_since: float
    """When it was made or found, then when it last became idle."""
    ready: bool = False
    retiring: bool = False
    assigned: dict[str, AttemptRequest] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)
    """Attempts this operator handed the Pod (others it runs are from before a restart)."""
    unconfirmed: set[str] = field(default_factory=set)
    """Handed in the last answer; a poll that neither runs nor finished them lost that answer."""
    starts: list[AttemptRequest] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    waiter: asyncio.Future[dict[str, Any]] | None = None


@dataclass
class _Pool:
    key: str
    template: dict[str, Any] | None = None
    pods: dict[str, _PoolPod] = field(default_factory=dict)
    queue: deque[AttemptRequest] = field(default_factory=deque)


Manifest = Callable[[str, str, dict[str, Any], str], dict[str, Any]]
"""(Pod name, pool key, template, token) -> the Pod."""
Lost = Callable[[str, int | None], None]
"""An attempt ended without an outcome (its Pod died, or it could not be placed)."""
Resumed = Callable[[str], None]
"""An attempt expected back after a restart is still running on a Pod that polled."""


class WorkerPools:
    def __init__(
        self,
        core: CoreV1Api,
        namespace: str,
        settings: PoolSettings,
        *,
        key: bytes,
        manifest: Manifest,
        command: Callable[[AttemptRequest], dict[str, Any]],
        lost: Lost,
        resumed: Resumed = lambda _attempt_id: None,
        callback: Callable[[], str] = lambda: "",
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.core, self.namespace, self.settings = core, namespace, settings
        self._manifest, self._lost, self._resumed, self._say = manifest, lost, resumed, say
        self._pod_tokens = Credentials(key, "pool-pod")
        self._attempt_tokens = Credentials(key, "attempt")
        self._command = command
        """An attempt request as its Pod is told it (with where its artifacts go)."""
        self._callback = callback
        """Where the operator's Pods call now: one that calls elsewhere is replaced."""
        self._clock = clock
        self._pools: dict[str, _Pool] = {}
        self._pods: dict[str, _PoolPod] = {}
        self._holder: dict[str, _PoolPod] = {}
        self._expected: dict[str, AttemptRequest] = {}
        """Attempts given out before a restart, until a Pod says it runs one or they end."""
        self._finished_away: set[str] = set()
        """Expected attempts a Pod says it finished while the operator was away: their outcomes
        are on their way (the Pod sends them again)."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None

    def token_for(self, name: str) -> str:
        """A Pod's token names it, so the callback can check it (``knows``) before it reads
        anything, also of a Pod not adopted yet."""
        return self._pod_tokens.mint(name)

    def attempt_token(self, attempt_id: str) -> str:
        """The credential of one pooled attempt, given to the Pod with its start command (never
        in the Pod's environment): what the attempt's events, AuthSession questions and uploads
        are authenticated by. The Pod's own token only fetches work, so code of one Job on a
        shared Pod cannot act for another Job's attempt with it."""
        return self._attempt_tokens.mint(attempt_id)

    def knows(self, token: str) -> bool:
        return self._pod_tokens.subject(token) is not None

    # ---------------------------------------------------------------- attempts
    def submit(self, request: AttemptRequest, template: dict[str, Any]) -> None:
        pool = self._pool(pool_key(template))
        pool.template = template
        pool.queue.append(request)
        self._dispatch(pool)
        self._reconcile(pool)

    def warm(self, template: dict[str, Any]) -> None:
        """Start the pool of ``template`` (its ``minimum`` Pods) before any attempt needs it."""
        pool = self._pool(pool_key(template))
        pool.template = template
        self._reconcile(pool)

    def expect(self, request: AttemptRequest) -> None:
        """An attempt given to a Pod before a restart: a Pod that polls saying it runs it keeps
        it (and ``resumed`` says so); one that finished it resends its outcome."""
        self._expected[request.attempt_id] = request

    def withdraw(self, attempt_id: str) -> bool:
        """Cancel: True when no Pod has the attempt (it was still queued, or expected back and
        never claimed: it is over); otherwise its Pod is told, and deleted if the attempt is
        still there after ``CANCEL_GRACE_S``."""
        for pool in self._pools.values():
            for request in pool.queue:
                if request.attempt_id == attempt_id:
                    pool.queue.remove(request)
                    return True
        pod = self._holder.get(attempt_id)
        if pod is None:
            self._expected.pop(attempt_id, None)
            self._finished_away.discard(attempt_id)
            return True
        pod.cancels.append(attempt_id)
        self._answer(pod)
        loop = asyncio.get_running_loop()
        loop.call_later(CANCEL_GRACE_S, self._enforce_cancel, attempt_id)
        return False

    def release(self, attempt_id: str) -> None:
        """The attempt is over (its outcome arrived, or it was lost): free its slot."""
        self._expected.pop(attempt_id, None)
        self._finished_away.discard(attempt_id)
        pod = self._holder.pop(attempt_id, None)
        if pod is None:
            return
        pod.assigned.pop(attempt_id, None)
        if not pod.assigned:
            pod.idle_since = self._clock()
        pool = self._pools[pod.key]
        self._dispatch(pool)
        self._reconcile(pool)

    def _enforce_cancel(self, attempt_id: str) -> None:
        pod = self._holder.get(attempt_id)  # still held: no outcome, no cancelled
        if pod is not None:
            self._say(f"worker pool: {pod.name} ignored a cancellation; deleting it")
            self._spawn(self._delete(pod.name))

    def _dispatch(self, pool: _Pool) -> None:
        per_pod = self.settings.attempts_per_pod
        while pool.queue:
            free = [p for p in pool.pods.values() if p.ready and not p.retiring]
            free = [p for p in free if len(p.assigned) < per_pod]
            if not free:
                break
            pod = min(free, key=lambda p: (len(p.assigned), p.name))
            request = pool.queue.popleft()
            pod.assigned[request.attempt_id] = request
            pod.given.add(request.attempt_id)
            pod.starts.append(request)
            self._holder[request.attempt_id] = pod
            self._answer(pod)

    # ------------------------------------------------------------------ polls
    async def pull(self, token: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """``POST /work`` from a pool Pod: what it should start, cancel, or whether to exit.
        None (409) for a token that is not the named Pod's."""
        name, key = str(body.get("pod", "")), str(body.get("pool", ""))
        if not name or self._pod_tokens.subject(token) != name:
            return None
        pod = self._pods.get(name) or self._adopt(name, key)
        if pod.waiter is not None and not pod.waiter.done():
            pod.waiter.set_result({})  # one poll at a time: the older one was abandoned
        if not pod.ready:
            self._say(f"worker pool: {name} ready")
        pod.ready = True
        running = {str(i) for i in body.get("running") or ()}
        finished = {str(i) for i in body.get("finished") or ()}
        pod.starts[:0] = [
            pod.assigned[i]
            for i in sorted(pod.unconfirmed - running - finished)
            if i in pod.assigned and pod.assigned[i] not in pod.starts
        ]
        pod.unconfirmed.clear()
        for attempt_id in sorted(running & self._expected.keys()):
            self._claim(pod, self._expected.pop(attempt_id))
        self._finished_away |= finished & self._expected.keys()
        self._give_up_unclaimed()
        pod.cancels += sorted(running - pod.given - set(pod.cancels))
        pod.given &= running | set(pod.assigned)
        self._dispatch(self._pools[pod.key])
        if not (pod.starts or pod.cancels or pod.retiring):
            waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            pod.waiter = waiter
            await asyncio.wait([waiter], timeout=PULL_WAIT_S)
            if waiter.done():  # answered by ``_answer`` (which took the outbox)
                return waiter.result()
            pod.waiter = None
        return self._take(pod)

    def _give_up_unclaimed(self) -> None:
        """Once every Pod has polled since the restart, an expected attempt that none runs or
        finished never reached one (or went with its Pod): it is lost now, rather than after
        the engine's wait for it."""
        if not self._expected or not all(pod.ready for pod in self._pods.values()):
            return
        for attempt_id in sorted(self._expected.keys() - self._finished_away):
            del self._expected[attempt_id]
            self._lost(attempt_id, None)

    def _claim(self, pod: _PoolPod, request: AttemptRequest) -> None:
        """``pod`` still runs an attempt given out before a restart: it holds it again."""
        pod.assigned[request.attempt_id] = request
        pod.given.add(request.attempt_id)
        self._holder[request.attempt_id] = pod
        self._resumed(request.attempt_id)

    def _answer(self, pod: _PoolPod) -> None:
        if pod.waiter is not None and not pod.waiter.done():
            pod.waiter.set_result(self._take(pod))
            pod.waiter = None

    def _take(self, pod: _PoolPod) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "start": [
                {**self._command(r), "token": self.attempt_token(r.attempt_id)} for r in pod.starts
            ],
            "cancel": list(pod.cancels),
            "exit": pod.retiring,
        }
        pod.unconfirmed |= {r.attempt_id for r in pod.starts}
        pod.starts, pod.cancels = [], []
        return answer

    # -------------------------------------------------------------------- pods
    def _pool(self, key: str) -> _Pool:
        if key not in self._pools:
            self._pools[key] = _Pool(key)
        return self._pools[key]

    def _adopt(self, name: str, key: str, *, made: bool = False) -> _PoolPod:
        """Track a Pod: one this operator makes, or one found (given ``ADOPTED_GRACE_S``)."""
        since = self._clock() + (0.0 if made else ADOPTED_GRACE_S)
        pod = _PoolPod(name, key, self.token_for(name), idle_since=since)
        self._pods[name] = pod
        self._pool(key).pods[name] = pod
        return pod

    async def adopt(self) -> None:
        """At start: take over the pools' Pods left by an earlier operator; delete dead ones."""
        found = await asyncio.to_thread(
            self.core.list_namespaced_pod, self.namespace, label_selector=POOL_LABEL
        )
        for item in found.items:
            name, key = item.metadata.name, (item.metadata.labels or {}).get(POOL_LABEL, "")
            env = {v.name: v.value for v in item.spec.containers[0].env or []}
            if item.status.phase in ("Succeeded", "Failed"):
                self._spawn(self._delete(name))
            elif env.get("JOBCTL_CALLBACK") != self._callback():
                self._say(f"worker pool: {name} calls another callback URL; replacing it")
                self._spawn(self._delete(name))
            elif name not in self._pods:
                self._adopt(name, key)
        self._ticker = asyncio.create_task(self._keep_reconciling())

    def is_pool_pod(self, name: str) -> bool:
        return name in self._pods

    def pod_gone(self, name: str, exit_code: int | None) -> None:
        """The Pod ended or was deleted: its attempts are lost, a replacement made if needed."""
        pod = self._pods.pop(name, None)
        if pod is None:
            return
        pool = self._pools[pod.key]
        pool.pods.pop(name, None)
        if pod.waiter is not None and not pod.waiter.done():
            pod.waiter.set_result({"exit": True})
        for attempt_id in sorted(pod.assigned):
            self._holder.pop(attempt_id, None)
            self._lost(attempt_id, exit_code)
        pod.assigned.clear()
        if not pod.retiring:
            self._spawn(self._delete(name))  # a dead Pod's object, so that its name is free
        self._give_up_unclaimed()
        self._reconcile(pool)

    def _reconcile(self, pool: _Pool) -> None:
        per_pod = self.settings.attempts_per_pod
        live = [p for p in pool.pods.values() if not p.retiring]
        demand = len(pool.queue) + sum(len(p.assigned) for p in live)
        want = min(self.settings.maximum, max(self.settings.minimum, math.ceil(demand / per_pod)))
        if pool.template is not None:
            taken = {p.name for p in pool.pods.values()}
            index = 0
            for _ in range(want - len(live)):
                while pool_pod_name(pool.key, index) in taken:
                    index += 1
                taken.add(self._create(pool, pool_pod_name(pool.key, index)).name)
        now = self._clock()
        for pod in live:
            if not pod.ready and now - pod.idle_since >= READY_TIMEOUT_S:
                self._retire(pod, "never polled; replacing it")
        timeout = self.settings.idle_timeout_s
        idle = [p for p in live if not p.assigned and now - p.idle_since >= timeout]
        idle = [p for p in idle if not p.retiring]
        for pod in sorted(idle, key=lambda p: p.name, reverse=True)[: len(live) - want]:
            self._retire(pod, f"idle for {timeout:g} s; removing it")

    def _retire(self, pod: _PoolPod, why: str) -> None:
        self._say(f"worker pool: {pod.name} {why}")
        pod.retiring = True
        self._answer(pod)
        self._spawn(self._delete(pod.name))

    def _create(self, pool: _Pool, name: str) -> _PoolPod:
        assert pool.template is not None
        pod = self._adopt(name, pool.key, made=True)
        manifest = self._manifest(name, pool.key, pool.template, pod.token)
        self._spawn(self._create_pod(pool, pod, manifest))
        return pod

    async def _create_pod(self, pool: _Pool, pod: _PoolPod, manifest: dict[str, Any]) -> None:
        refusal = await create_pod(self.core, self.namespace, manifest, lambda: pod.retiring)
        if refusal is None:
            return
        self._say(f"worker pool: cannot create Pod {pod.name}: {refusal}")
        self._pods.pop(pod.name, None)
        pool.pods.pop(pod.name, None)
        if not pool.pods:  # nothing will ever run the queued attempts: the engine retries them
            while pool.queue:
                self._lost(pool.queue.popleft().attempt_id, None)

    async def _delete(self, name: str) -> None:
        with contextlib.suppress(ApiException):
            await asyncio.to_thread(
                self.core.delete_namespaced_pod, name, self.namespace, grace_period_seconds=30
            )

    def reconcile_all(self) -> None:
        """What no event triggers: idle timeouts running out."""
        for pool in list(self._pools.values()):
            self._reconcile(pool)

    async def _keep_reconciling(self) -> None:
        while True:
            await asyncio.sleep(RECONCILE_S)
            self.reconcile_all()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Until the Pod creations and deletions in flight are done."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def close(self) -> None:
        for task in [*self._tasks, *([self._ticker] if self._ticker else [])]:
            task.cancel()
