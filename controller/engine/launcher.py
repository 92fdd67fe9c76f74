"""The contract between the engine and whatever runs attempts (local processes, Pods, tests).

The engine asks for attempts to start or stop; the launcher reports what happened as a stream of
events. An attempt ends with exactly one of ``AttemptResult`` / ``AttemptFailed``; an
``AttemptExited`` without one of them means the worker died (an infrastructure failure). Events
for an attempt the engine no longer expects (cancelled, superseded after a restart) are ignored,
so launchers may deliver them late or twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AttemptRequest:
    attempt_id: str
    job_id: str
    job_run_id: str
    run_id: str
    attempt_number: int
    api_name: str
    parameters: dict[str, Any]
    timeout_s: int
    auth_session: str | None = None
    proxy: str | None = None
    """Proxy URL with credentials, from the Job's current definition (never persisted)."""
    storage_state: dict[str, Any] | None = None
    """Browser storage state of the JobRun's auth session, applied to the attempt's context."""


@dataclass(frozen=True, slots=True)
class AttemptStarted:
    attempt_id: str


@dataclass(frozen=True, slots=True)
class AttemptHeartbeat:
    """``extend_timeout()`` was called: the attempt's deadline restarts from now."""

    attempt_id: str


@dataclass(frozen=True, slots=True)
class AttemptExtendedPayload:
    attempt_id: str
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class AttemptResult:
    attempt_id: str
    result: Any
    trace_url: str | None = None
    log_url: str | None = None


@dataclass(frozen=True, slots=True)
class AttemptFailed:
    attempt_id: str
    error: dict[str, Any]
    trace_url: str | None = None
    log_url: str | None = None


@dataclass(frozen=True, slots=True)
class AttemptExited:
    attempt_id: str
    exit_code: int | None = None


AttemptEvent = (
    AttemptStarted
    | AttemptHeartbeat
    | AttemptExtendedPayload
    | AttemptResult
    | AttemptFailed
    | AttemptExited
)


class Launcher(Protocol):
    """Runs attempts. ``start`` and ``cancel`` must not block on the attempt itself."""

    capacity: int
    """How many attempts it can run at once (the global ``--max-workers`` cap)."""

    async def start(self, request: AttemptRequest) -> None: ...

    async def cancel(self, attempt_id: str) -> None: ...

    def events(self) -> AsyncIterator[AttemptEvent]: ...

    async def close(self) -> None: ...
