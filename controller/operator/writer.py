"""Status writes of the operator's resources: coalesced per object, retried, never fatal.

Changes are marked, not written: a burst of engine passes that touch one JobRun results in one
write of its latest status (the ``status`` callable is evaluated at write time). A write is a
JSON merge patch of the status subresource, in which every field of the status's schema that the
new status lacks is null, so that a field that became empty (a JobRun that stopped waiting, a
pause reason gone) is removed rather than kept from an earlier write, also across restarts.
409 (a precondition or an apiserver-side conflict), 429, 5xx and an unreachable API are
retried with backoff, and after the last retry the object stays marked and is tried again
``LATER_S`` later: a JobRun's final status, which no later change would write again, is never
lost to an apiserver restart. 404 means the object is gone and is dropped; any other refusal
(a status the apiserver rejects) is reported and dropped.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Callable
from typing import Any

from kubernetes.client import CustomObjectsApi
from kubernetes.client.rest import ApiException
from pydantic import BaseModel

from ..spec.kube import AuthSessionStatus, JobRunResourceStatus, JobStatus
from ..vocabulary import GROUP, VERSION

SCHEMAS: dict[str, type[BaseModel]] = {
    "jobs": JobStatus,
    "jobruns": JobRunResourceStatus,
    "authsessions": AuthSessionStatus,
}
RETRY_DELAYS_S = (0.2, 0.5, 1, 2, 5)
RETRIED = (409, 429)
LATER_S = 5.0


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
        for key, status in batch.items():
            body = status()
            if body is not None and not await self._write(*key, body):
                self.dirty.setdefault(key, status)  # a newer mark wins
                asyncio.get_running_loop().call_later(LATER_S, self.wake.set)

    async def _write(self, plural: str, name: str, status: dict[str, Any]) -> bool:
        """True when done with (written, gone, or refused for good); False: try again later."""
        for delay in (*RETRY_DELAYS_S, None):
            try:
                await asyncio.to_thread(
                    self.custom.patch_namespaced_custom_object_status,
                    GROUP,
                    VERSION,
                    self.namespace,
                    plural,
                    name,
                    {"status": merge_patch(SCHEMAS[plural], status)},
                )
                return True
            except ApiException as exc:
                if exc.status == 404:
                    return True
                if exc.status not in RETRIED and exc.status < 500:
                    self.say(f"{plural}/{name}: status not written: HTTP {exc.status} {exc.reason}")
                    return True
            except Exception:  # the API unreachable (an apiserver restarting)
                pass
            if delay is None:
                self.say(f"{plural}/{name}: status not written yet (API unavailable); retrying")
                return False
            await asyncio.sleep(delay)
        return False


def merge_patch(model: type[BaseModel], status: dict[str, Any]) -> dict[str, Any]:
    """``status`` with every field of ``model`` it lacks set to null (JSON merge patch: remove
    it), in nested objects too; lists are replaced whole by a merge patch anyway."""
    patch = dict(status)
    for name, field in model.model_fields.items():
        if name not in patch:
            patch[name] = None
        elif isinstance(patch[name], dict) and (nested := _model_in(field.annotation)):
            patch[name] = merge_patch(nested, patch[name])
    return patch


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (``X | None`` included), if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
