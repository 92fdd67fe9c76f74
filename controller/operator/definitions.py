"""The operator's definitions: Job and AuthSession resources, parsed by the operator.

Before the runtime starts, the operator lists the Job resources and parses each (reading the
Secrets it names) into ``initial``; ``load`` gives those to the runtime, which then forgets the
Jobs its store remembers that no resource defines any more. After that, kopf's handlers give each
change to the runtime as it happens (``Runtime.change_definitions``), so ``follow`` has nothing
to watch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..runtime import Change, DefinitionTarget
from ..spec import JobDefinition
from .mirror import Mirror

Suspension = tuple[bool, str | None]
"""A Job resource's ``spec.suspend`` and ``spec.suspendNote``."""


def suspension(body: dict[str, Any]) -> Suspension:
    spec = body.get("spec") or {}
    return bool(spec.get("suspend")), spec.get("suspendNote") or None


class ResourceDefinitions:
    """A ``DefinitionSource`` over Kubernetes resources."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror
        self.initial: dict[str, tuple[JobDefinition, Suspension]] = {}
        """Job -> its definition and ``spec.suspend``, as listed before the runtime started."""

    def load(self, target: DefinitionTarget) -> None:
        for job_id, (definition, (suspend, note)) in self.initial.items():
            target.put_job(job_id, definition)
            target.set_paused(job_id, suspend, note)
        self.initial.clear()

    async def follow(self, changed: Callable[[Change], None]) -> None:
        return

    def broken(self) -> int:
        return self.mirror.invalid()
