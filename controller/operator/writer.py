"""Status writes of the operator's resources: coalesced per object, retried, never fatal.

Changes are marked, not written: a burst of engine passes that touch one JobRun results in one
write of its latest status (the ``status`` callable is evaluated at write time). A write is a
JSON merge patch of the status subresource; 409 (a precondition or an apiserver-side conflict),
429 and 5xx are retried with backoff, 404 means the object is gone and is dropped, and anything
else is reported and dropped: a status is a projection of the store, so the next change writes
it again in full and nothing is lost by giving up on one write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from kubernetes.client import CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..vocabulary import GROUP, VERSION

RETRY_DELAYS_S = (0.2, 0.5, 1, 2, 5)
RETRIED = (409, 429)


class StatusWriter:
    def __init__(self, custom: CustomObjectsApi, namespace: str, say: Callable[[str], None]):
        self.custom = custom
        self.namespace = namespace
        self.say = say
        self.dirty: dict[tuple[str, str], Callable[[], dict[str, Any] | None]] = {}
        self.wake = asyncio.Event()

    def mark(self, plural: str, name: str, status: Callable[[], dict[str, Any] | None]) -> None:
        self.dirty[(plural, name)] = status
        self.wake.set()

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            await self.flush()

    async def flush(self) -> None:
        """Write every change marked so far (also at shutdown: the last passes' changes)."""
        self.wake.clear()
        batch, self.dirty = self.dirty, {}
        for (plural, name), status in batch.items():
            body = status()
            if body is not None:
                await self._write(plural, name, body)

    async def _write(self, plural: str, name: str, status: dict[str, Any]) -> None:
        for delay in (*RETRY_DELAYS_S, None):
            try:
                await asyncio.to_thread(
                    self.custom.patch_namespaced_custom_object_status,
                    GROUP,
                    VERSION,
                    self.namespace,
                    plural,
                    name,
                    {"status": status},
                )
                return
            except ApiException as exc:
                if exc.status == 404:
                    return
                if delay is None or (exc.status not in RETRIED and exc.status < 500):
                    self.say(f"{plural}/{name}: status not written: HTTP {exc.status} {exc.reason}")
                    return
            await asyncio.sleep(delay)
