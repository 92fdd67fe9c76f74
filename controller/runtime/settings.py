"""The runtime's settings: what both runtimes share."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..delivery import (
    AttemptArtifacts,
    DeliverySettings,
    LiveLogs,
    LocalResultsStorage,
    PublicUrl,
    ResultsStorage,
    S3Clients,
    S3ResultsStorage,
    S3Target,
)
from ..engine import Identity


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, kw_only=True)
class RuntimeSettings:
    """What both runtimes share: where state lives, limits, identity, deliveries."""

    state: Path
    store: str | Path | None = None
    """The store's database: a PostgreSQL URL, or a SQLite file (default: ``state/state.db``)."""
    max_workers: int = 8
    history_limit: int = 100
    identity: Identity = field(default_factory=Identity)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    results_bucket: S3Target | None = None
    """Keep finished JobRuns' results files in this bucket (default: under ``state/results``)."""
    results_prefix: str = ""
    results_url_expiry_s: int = 3_600
    auth_lock_timeout_s: float = 300.0
    """How long an attempt waits for another attempt's AuthSession recreation."""
    auth_session_instances: Path | None = None
    """Saved sessions (``auth-sessions-instances/``) that AuthSessions start from."""

    @property
    def store_location(self) -> str | Path:
        return self.state / "state.db" if self.store is None else self.store

    def results_storage(
        self, local_root: Path, clients: S3Clients, public: PublicUrl
    ) -> ResultsStorage:
        """Where finished JobRuns' results files are kept: the bucket, or ``local_root``."""
        if self.results_bucket is None:
            return LocalResultsStorage(local_root, public)
        return S3ResultsStorage(
            self.results_bucket, self.results_prefix, clients, self.results_url_expiry_s
        )

    def artifacts(self, clients: S3Clients, public: PublicUrl, live: LiveLogs) -> AttemptArtifacts:
        """Where attempts' traces and logs are kept: ``state/attempts``, and the results bucket
        (under ``{results_prefix}artifacts/``) when there is one."""
        return AttemptArtifacts(
            self.state / "attempts",
            bucket=self.results_bucket,
            prefix=self.results_prefix,
            clients=clients,
            expiry_s=self.results_url_expiry_s,
            public=public,
            live=live,
        )
