"""Leader election with a coordination.k8s.io Lease: of several operator replicas only the one
holding the Lease runs the engine.

kopf's peering pauses the other replicas' handlers, but the engine also acts on its own (it
fires schedules), so it must not start at all on a passive replica. The holder renews the Lease
every ``RENEW_S``; a replica takes it over once it has not been renewed for ``DURATION_S``. A
holder that fails to renew (another replica took over, the API is unreachable for too long)
stops, to be restarted as a passive replica: never two engines at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from kubernetes.client import CoordinationV1Api
from kubernetes.client.rest import ApiException

DURATION_S = 15
RENEW_S = 5
RENEW_DEADLINE_S = 10
"""A holder that cannot reach the API keeps trying (every ``RETRY_S``) this long after its last
renewal, then steps down: another replica can take over only ``DURATION_S`` after that renewal,
so the two never act at once (client-go's leader election does the same, with these values)."""
RETRY_S = 2
TIMEOUT_S = 2.0
"""Per request: a hung apiserver must not keep a renewal waiting past the deadline."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Lease:
    def __init__(self, api: CoordinationV1Api, namespace: str, name: str) -> None:
        self.api = api
        self.namespace = namespace
        self.name = name
        self.identity = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"

    async def acquire(self, say: Callable[[str], None], stop: asyncio.Event) -> bool:
        """Wait until this replica holds the Lease (True) or is told to stop (False)."""
        told = False
        while not await asyncio.to_thread(self._try):
            if not told:
                say(f"lease {self.name}: another replica is active; waiting to take over")
                told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RENEW_S)
            if stop.is_set():
                return False
        say(f"lease {self.name}: this replica is active ({self.identity})")
        return True

    async def keep(
        self, lost: Callable[[], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Renew until cancelled; call ``lost`` (and return) when another replica holds the
        Lease, or when no renewal succeeded for ``RENEW_DEADLINE_S`` (the API unreachable: an
        apiserver restart shorter than that goes unnoticed)."""
        renewed = clock()
        wait = RENEW_S
        while True:
            await asyncio.sleep(wait)
            try:
                held = await asyncio.to_thread(self._try)
            except Exception:
                if clock() - renewed + RETRY_S <= RENEW_DEADLINE_S:
                    wait = RETRY_S
                    continue
                held = False
            if not held:
                lost()
                return
            renewed, wait = clock(), RENEW_S

    def release(self) -> None:
        """Give the Lease up at a graceful stop (after the last status writes), so that a
        standby takes over at its next try instead of ``DURATION_S`` later. Only a Lease this
        replica still holds is released; a failure leaves it to expire."""
        with contextlib.suppress(Exception):
            current = self.api.read_namespaced_lease(
                self.name, self.namespace, _request_timeout=TIMEOUT_S
            )
            if current.spec.holder_identity != self.identity:
                return
            body = {
                "metadata": {
                    "name": self.name,
                    "resourceVersion": current.metadata.resource_version,
                },
                "spec": {"holderIdentity": None, "leaseDurationSeconds": DURATION_S},
            }
            self.api.replace_namespaced_lease(
                self.name, self.namespace, body, _request_timeout=TIMEOUT_S
            )

    def _try(self) -> bool:
        now = _now()
        spec: dict[str, Any] = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": DURATION_S,
            "renewTime": _stamp(now),
        }
        try:
            current = self.api.read_namespaced_lease(
                self.name, self.namespace, _request_timeout=TIMEOUT_S
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
            body = {"metadata": {"name": self.name}, "spec": {**spec, "acquireTime": _stamp(now)}}
            try:
                self.api.create_namespaced_lease(self.namespace, body, _request_timeout=TIMEOUT_S)
            except ApiException as conflict:
                if conflict.status == 409:
                    return False
                raise
            return True
        holder = current.spec.holder_identity
        renewed = current.spec.renew_time
        expired = renewed is None or (now - renewed).total_seconds() > DURATION_S
        if holder and holder != self.identity and not expired:  # none: released
            return False
        if holder != self.identity:
            spec["acquireTime"] = _stamp(now)
        body = {
            "metadata": {"name": self.name, "resourceVersion": current.metadata.resource_version},
            "spec": spec,
        }
        try:
            self.api.replace_namespaced_lease(
                self.name, self.namespace, body, _request_timeout=TIMEOUT_S
            )
        except ApiException as exc:
            if exc.status == 409:  # another replica renewed or took it first
                return False
            raise
        return True
