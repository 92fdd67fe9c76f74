"""The operator's definitions: Job and AuthSession resources, parsed by the operator.

Before the runtime starts, the operator lists the Job resources and parses each (reading the
Secrets it names) into ``initial``; ``load`` gives those to the runtime, which then forgets the
Jobs its store remembers that no resource defines any more. After that, kopf's handlers give each
change to the runtime as it happens (``Runtime.change_definitions``), so ``follow`` has nothing
to watch.
"""

from __future__ import annotations

from collections.abc import Callable

from ..runtime import Change, DefinitionTarget
from ..spec import JobDefinition
from .mirror import Mirror


class ResourceDefinitions:
    """A ``DefinitionSource`` over Kubernetes resources."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror
        self.initial: dict[str, tuple[JobDefinition, bool]] = {}
        """Job -> its definition and ``spec.suspend``, as listed before the runtime started."""

    def load(self, target: DefinitionTarget) -> None:
        for job_id, (definition, suspend) in self.initial.items():
            target.put_job(job_id, definition)
            target.set_paused(job_id, suspend)
        self.initial.clear()

    async def follow(self, changed: Callable[[Change], None]) -> None:
        return

    def broken(self) -> int:
        return self.mirror.invalid()
