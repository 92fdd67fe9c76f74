"""The store contract: every part of the durable state the runtime, the API and the CLI use,
as small Protocols. ``SqlStore`` implements it on SQLite and on PostgreSQL; the contract tests
(``tests/integration/test_store_contract.py``) run the same on each."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..engine import Changes, Delivery, JobRun, KnownJob, Run
from ..vocabulary import AuthSessionStatus
from .run_queries import RunFilter


@dataclass(frozen=True)
class StoredState:
    jobs: list[KnownJob]
    job_runs: list[JobRun]
    """Every JobRun; active ones with their held Runs (``engine.spill``: running, and the first
    pending ones), the number of the others in ``spilled``."""


@dataclass(frozen=True)
class Watermark:
    job_run_id: str
    job_id: str
    auth_session: str | None
    results_seq: int
    written_seq: int
    written_size: int


@dataclass(frozen=True)
class QueuedDelivery:
    delivery: Delivery
    state: str
    due_at: int
    attempts: int
    last_error: str | None


class DeliveryQueue(Protocol):
    """The delivery queue as the deliverer uses it (see ``delivery_queue.py`` for states)."""

    def due(self, now: int, limit: int) -> list[QueuedDelivery]: ...

    def next_due_after(self, now: int) -> int | None: ...

    def outstanding(self, job_run_ids: Collection[str] | None = None) -> int: ...

    def oldest_outstanding(self) -> int | None: ...

    def results_pending(self, job_run_id: str) -> bool: ...

    def finish(self, delivery_id: str, state: str, attempts: int, error: str | None) -> None: ...

    def retry(self, delivery_id: str, attempts: int, due_at: int, error: str | None) -> None: ...

    def due_now(self, job_id: str, kind: str, target: int, now: int) -> int: ...

    def hold_job(self, job_id: str, kind: str, error: str) -> int: ...

    def release_job(self, job_id: str, now: int) -> int: ...

    def gone_fingerprint(self, job_id: str, url_hash: str) -> str | None: ...

    def mark_gone(self, job_id: str, url_hash: str, fingerprint: str) -> None: ...

    def clear_gone(self, job_id: str, url_hash: str) -> None: ...

    def put_results_object(self, job_run_id: str, described: dict[str, Any]) -> None: ...

    def results_object(self, job_run_id: str) -> dict[str, Any] | None: ...

    def release_all(self, now: int) -> int: ...

    def get(self, delivery_id: str) -> QueuedDelivery | None: ...

    def for_job_run(self, job_run_id: str) -> list[QueuedDelivery]: ...


class RunQueries(Protocol):
    """A JobRun's Runs a page at a time or counted, one Run, a Run's attempts, failures grouped,
    a Job's missed ticks (``run_queries.py``)."""

    def runs(
        self, job_run_id: str, where: RunFilter, *, after_seq: int, limit: int
    ) -> list[dict[str, Any]]: ...

    def run(self, job_run_id: str, run_id: str) -> dict[str, Any] | None: ...

    def attempts(self, run: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def missed_ticks(self, job_id: str, limit: int) -> list[int]: ...

    def count(self, job_run_id: str, where: RunFilter) -> int: ...

    def ended_attempts(
        self, job_run_id: str, limit: int
    ) -> list[tuple[str, int, int, int, str]]: ...

    def attempt_histogram(
        self, job_run_id: str, start: int, width: int, buckets: int
    ) -> list[tuple[int, str, int]]: ...

    def failures(self, job_run_ids: Sequence[str], limit: int) -> list[dict[str, Any]]: ...

    def items(
        self, job_run_id: str, chosen: Sequence[str] | RunFilter | None
    ) -> list[dict[str, Any]]: ...


class AuthStates(Protocol):
    """AuthSessions' browser states and versions (``auth_states.py``): secrets, kept here only."""

    def get(self, session_id: str) -> tuple[int, dict[str, Any] | None]: ...

    def put(
        self, session_id: str, version: int, state: dict[str, Any] | None, now: int
    ) -> None: ...

    def reset(self, session_id: str, now: int) -> None: ...

    def checked(self, session_id: str, now: int) -> None: ...

    def expire(self, session_id: str) -> None: ...

    def forget(self, session_id: str) -> None: ...

    def status(self, session_id: str) -> AuthSessionStatus: ...

    def summary(self, session_id: str) -> dict[str, Any]: ...


class PersistentStore(Protocol):
    """The project's persistent store (``persistent_store.py``)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, now: int) -> None: ...


class Documents(Protocol):
    """Definitions kept as the documents they came as, by ID (``documents.py``)."""

    def all(self) -> dict[str, dict[str, Any]]: ...

    def put(self, key: str, document: dict[str, Any]) -> None: ...

    def delete(self, key: str) -> None: ...


class Store(Protocol):
    """Everything durable. One pass's ``Changes`` are saved in one transaction; the parts
    write as they are called (one statement, committed when it returns)."""

    @property
    def deliveries(self) -> DeliveryQueue: ...

    @property
    def auth_states(self) -> AuthStates: ...

    @property
    def persistent(self) -> PersistentStore: ...

    @property
    def api_jobs(self) -> Documents: ...

    @property
    def api_auth_sessions(self) -> Documents: ...

    @property
    def direct_jobs(self) -> Documents: ...

    @property
    def run_queries(self) -> RunQueries: ...

    def load(self) -> StoredState: ...

    def save(self, changes: Changes) -> None: ...

    def watermarks(self) -> list[Watermark]: ...

    def unwritten_runs(self, job_run_id: str, after_seq: int) -> Iterator[Run]: ...

    def pending_runs(self, job_run_id: str, after_seq: int, limit: int) -> list[Run]: ...

    def mark_results_written(self, marks: Iterable[tuple[str, int, int]]) -> None: ...

    def close(self) -> None: ...
