"""The store contract: what the engine's driver persists and reads back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..engine import Changes, JobRun, ResultRecord


@dataclass(frozen=True)
class StoredJob:
    job_id: str
    first_seen: int
    last_tick: int | None
    paused: bool


@dataclass(frozen=True)
class StoredState:
    jobs: list[StoredJob]
    job_runs: list[JobRun]
    """Every JobRun; only active ones come with their Runs."""


@dataclass(frozen=True)
class Watermark:
    job_run_id: str
    job_id: str
    results_seq: int
    written_seq: int
    written_size: int


class Store(Protocol):
    def load(self) -> StoredState: ...

    def save(self, changes: Changes) -> None: ...

    def watermarks(self) -> list[Watermark]: ...

    def unwritten_results(self, job_run_id: str, after_seq: int) -> list[ResultRecord]: ...

    def mark_results_written(self, marks: Iterable[tuple[str, int, int]]) -> None: ...

    def close(self) -> None: ...
