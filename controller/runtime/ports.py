"""The runtime's ports: where definitions come from, and who watches its passes.

The runtime owns the loop; what differs between the embedded controller and the operator is
given to it: a ``DefinitionSource`` (job files on disk and the REST API's Jobs, or Kubernetes
resources), a ``Launcher`` (``engine.launcher``), a ``Store`` and a clock. Observers see what
the loop did (metrics, the operator's status projection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..engine import AttemptEvent, Changes, EngineError
from ..spec import AuthSessionDefinition, JobDefinition


class JobConflictError(EngineError):
    """The Job is defined elsewhere (a file, a resource: read-only through the API), or exists
    already."""


class DefinitionTarget(Protocol):
    """What a definition source may change. Every call made in one ``load`` or one change is
    part of one engine pass (one ``now``, one saved transaction)."""

    def put_job(self, job_id: str, definition: JobDefinition) -> None:
        """Add or change a Job; its running JobRun keeps its snapshot."""

    def delete_job(self, job_id: str) -> None:
        """The Job is gone (nothing happens for a Job the runtime does not know): its active
        JobRun is terminated."""

    def set_paused(self, job_id: str, paused: bool, note: str | None = None) -> None:
        """Pause or resume the Job when it is not already so (a resource's ``spec.suspend``,
        with ``spec.suspendNote``: a new note on a paused Job replaces its note)."""

    def put_auth_session(self, session_id: str, definition: AuthSessionDefinition) -> None:
        """Add or change an AuthSession; the next recreation uses it (the stored state stays
        valid until a check says otherwise)."""

    def remove_auth_session(self, session_id: str) -> None: ...

    def say(self, text: str) -> None:
        """A line for people (redacted like every line the runtime prints)."""


Change = Callable[[DefinitionTarget], None]
"""A change of definitions, applied by the runtime's loop in one pass."""


class DefinitionSource(Protocol):
    """Where Jobs and AuthSessions are defined."""

    def load(self, target: DefinitionTarget) -> None:
        """At start-up: give every definition that exists now. Jobs the store remembers and
        ``load`` did not give are then deleted (their active JobRuns terminated)."""

    async def follow(self, changed: Callable[[Change], None]) -> None:
        """Until cancelled: hand each change to ``changed`` as it happens (return at once when
        changes arrive another way, as the operator's through its handlers)."""

    def broken(self) -> int:
        """Definitions that cannot be used now (each keeps its last valid version)."""


class Observer(Protocol):
    """Sees every attempt event and every saved pass (metrics, status projection)."""

    def observe_event(self, event: AttemptEvent, now: int) -> None: ...

    def observe_changes(self, changes: Changes) -> None: ...
