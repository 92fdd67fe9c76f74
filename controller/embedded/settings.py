"""The embedded controller's settings, its observers' contract, and the messages of its inbox."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..delivery import (
    DeliverySettings,
    LocalResultsStorage,
    ResultsStorage,
    S3Clients,
    S3ResultsStorage,
    S3Target,
)
from ..engine import AttemptEvent, Changes, Identity


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Settings:
    resources: Path
    state: Path
    max_workers: int = 8
    history_limit: int = 100
    identity: Identity = field(default_factory=Identity)
    watch: bool = True
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    results_bucket: S3Target | None = None
    """Keep finished JobRuns' results files in this bucket (default: under ``state/results``)."""
    results_prefix: str = ""
    results_url_expiry_s: int = 3_600
    auth_lock_timeout_s: float = 300.0
    """How long an attempt waits for another attempt's AuthSession recreation."""

    definitions_from_files: bool = True
    """False: Jobs come from elsewhere (the operator's Job resources) through
    ``apply_definition``, and the caller says when it has given them all (``initial_sync_done``)."""

    def results_storage(self, local_root: Path, clients: S3Clients) -> ResultsStorage:
        """Where finished JobRuns' results files are kept: the bucket, or ``local_root``."""
        if self.results_bucket is None:
            return LocalResultsStorage(local_root)
        return S3ResultsStorage(
            self.results_bucket, self.results_prefix, clients, self.results_url_expiry_s
        )


class Observer(Protocol):
    """Sees every attempt event and every saved pass (metrics)."""

    def observe_event(self, event: AttemptEvent, now: int) -> None: ...

    def observe_changes(self, changes: Changes) -> None: ...


class Reload:
    """Inbox marker: the resources folder changed."""


class Wake:
    """Inbox marker: a command changed the engine outside the loop; perform its effects."""


@dataclass(frozen=True)
class SinkRefused:
    """Inbox message: the Job's S3 sink refused a result of this JobRun."""

    job_id: str
    job_run_id: str
    why: str
