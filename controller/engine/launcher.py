"""The contract between the engine and whatever runs attempts (local processes, Pods, tests).

The engine asks for attempts to start or stop; the launcher reports what happened as a stream of
events. An attempt ends with exactly one of ``AttemptResult`` / ``AttemptFailed``; an
``AttemptExited`` without one of them means the worker died (an infrastructure failure). Events
for an attempt the engine no longer expects (cancelled, superseded after a restart) are ignored,
so launchers may deliver them late or twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from ..vocabulary import ArtifactName


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
    """The JobRun's AuthSession: the worker asks the controller's ``AuthBroker`` for its storage
    state, so session cookies are never part of a start command (or a Pod spec)."""
    auth_check_attempts: int = 3
    auth_create_attempts: int = 3
    auth_recreate: bool = True
    """Whether a session that fails its check may be recreated (else the attempt fails)."""
    proxy: str | None = None
    """Proxy URL with credentials, from the Job's current definition (never persisted)."""
    isolation: str = "context"
    """``context`` or ``page`` (``spec.job.Isolation``): what the attempt gets of its own."""
    pages_per_context: int = 100
    trace: str = "on"
    """Which attempts keep a trace (``spec.job.TraceMode``)."""


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
    attributes: dict[str, Any] | None = None
    """What the API set with ``set_attribute`` (kept with the Run)."""


@dataclass(frozen=True, slots=True)
class AttemptFailed:
    attempt_id: str
    error: dict[str, Any]
    trace_url: str | None = None
    log_url: str | None = None
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AttemptExited:
    attempt_id: str
    exit_code: int | None = None


@dataclass(frozen=True, slots=True)
class AttemptAuthenticated:
    """The AuthSession was checked (or recreated) and is valid: the API is about to run."""

    attempt_id: str


@dataclass(frozen=True, slots=True)
class AttemptAuthFailed:
    """The AuthSession is unusable (unknown, cannot be recreated, locked too long). The attempt
    did not run the API; the JobRun pauses with ``reason`` and the Run is re-run on resume."""

    attempt_id: str
    reason: dict[str, str]


AttemptEvent = (
    AttemptStarted
    | AttemptHeartbeat
    | AttemptExtendedPayload
    | AttemptResult
    | AttemptFailed
    | AttemptExited
    | AttemptAuthenticated
    | AttemptAuthFailed
)


class AuthBroker(Protocol):
    """What workers may ask the controller about AuthSessions (through their launcher).

    ``handle`` takes one JSON message from a worker's attempt and answers with one; it may wait
    (another attempt is recreating the session). See ``controller/auth`` for the protocol.
    """

    async def handle(self, attempt_id: str, message: dict[str, Any]) -> dict[str, Any]: ...

    def attempt_ended(self, attempt_id: str) -> None:
        """The attempt is over: a recreation lock it held is released."""
        ...


class ArtifactStore(Protocol):
    """Where attempts' traces and logs are kept (``delivery.artifacts``): launchers tell workers
    where to upload, write what reaches their callback, and link to what was kept."""

    def link(self, job_run_id: str, attempt_id: str, name: ArtifactName) -> str: ...

    def upload_url(self, job_run_id: str, attempt_id: str, name: ArtifactName) -> str | None:
        """A URL the worker PUTs the file to; None: the store takes it from the launcher."""
        ...

    def write(
        self, job_run_id: str, attempt_id: str, name: ArtifactName, body: BinaryIO, length: int
    ) -> None: ...

    def live_log(self, attempt_id: str, text: str) -> None:
        """What the attempt in flight printed since its last ``log`` event."""

    def attempt_ended(self, attempt_id: str) -> None:
        """The attempt is over: its log is its ``log.txt`` from now on."""


class BrowserLauncher(Protocol):
    """A launcher whose workers run browser attempts: they may need AuthSessions, and they
    leave artifacts."""

    def attach(self, auth: AuthBroker, artifacts: ArtifactStore) -> None: ...


class AttemptAdopter(Protocol):
    """A launcher whose workers outlive the controller (Pods): after a restart it can take back
    attempts still running there, or whose outcomes they still hold and resend."""

    def expect(self, requests: Sequence[AttemptRequest]) -> set[str]:
        """Accept these attempts' events again as if just started; the IDs of those it can
        (the others ran where nothing survives a restart). Called once at every start, before
        which the launcher's workers are told to try again later."""
        ...


class Launcher(Protocol):
    """Runs attempts. ``start`` and ``cancel`` must not block on the attempt itself."""

    capacity: int
    """How many attempts it can run at once (the global ``--max-workers`` cap)."""

    @property
    def browsers(self) -> BrowserLauncher | None:
        """Itself when its workers run browser attempts (the runtime attaches its AuthSession
        broker and artifact store); None when they need neither."""
        ...

    @property
    def adopter(self) -> AttemptAdopter | None:
        """Itself when its workers outlive the controller (Pods) and it can take their attempts
        back at a restart; None when attempts die with the controller."""
        ...

    async def start(self, request: AttemptRequest) -> None: ...

    async def cancel(self, attempt_id: str) -> None: ...

    def events(self) -> AsyncIterator[AttemptEvent]: ...

    async def close(self) -> None: ...
