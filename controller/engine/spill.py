"""Which pending Runs a JobRun holds in memory, and which wait in the store ("spilled").

A JobRun holds at most ``PENDING_HELD`` pending Runs (plus those re-queued: retries, a pause's);
the others are only in the store, and the driver loads the next ones when the held ones run low
(``wants_loading``). The invariant, which restarts keep (``Store.load`` holds the first
``PENDING_HELD`` by position): every pending Run at a position up to ``held_through`` is held;
``spilled`` counts the pending Runs beyond it. New Runs are held only while nothing is spilled,
so Runs start in the order they were added. Pure: records in, records out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..spec import PayloadItem
from . import ids
from .records import JobRun, Run

PENDING_HELD = 2_000


def new_run(
    job_run_id: str, seq: int, item: PayloadItem, default_attempts: int, extended_from: str | None
) -> Run:
    """The Run of a payload item (its parameters shared with the item, not copied)."""
    timeout_s = item.requestTimeout
    return Run(
        id=ids.run_id(job_run_id, seq),
        job_run_id=job_run_id,
        seq=seq,
        api_name=item.apiName,
        parameters=item.parameters,
        max_attempts=item.retry.maximumAttempts if item.retry else default_attempts,
        extended_from=extended_from,
        request_timeout_ms=None if timeout_s is None else timeout_s * 1000,
    )


@dataclass(frozen=True)
class SpilledRuns:
    """New Runs that go straight to the store, made one at a time as it saves them (each time
    they are iterated), so that a payload of 100,000 items is never 100,000 Runs at once."""

    job_run_id: str
    first_seq: int
    items: Sequence[PayloadItem]
    default_attempts: int
    extended_from: str | None

    def __iter__(self) -> Iterator[Run]:
        for offset, item in enumerate(self.items):
            seq = self.first_seq + offset
            yield new_run(self.job_run_id, seq, item, self.default_attempts, self.extended_from)


def held_room(job_run: JobRun) -> int:
    """How many new Runs may be held: none once any is spilled (Runs start in order)."""
    return 0 if job_run.spilled else max(0, PENDING_HELD - len(job_run.pending))


def hold(job_run: JobRun, run: Run) -> None:
    job_run.runs[run.id] = run
    job_run.pending.append(run.id)
    job_run.held_through = run.seq


def wants_loading(job_run: JobRun) -> bool:
    return job_run.spilled > 0 and (
        job_run.stopping is not None or len(job_run.pending) < PENDING_HELD // 2
    )


def loading_limit(job_run: JobRun) -> int:
    """How many to load: all of them for a JobRun that is stopping (it ends every Run with a
    results line), else enough to fill the window."""
    if job_run.stopping is not None:
        return job_run.spilled
    return max(0, PENDING_HELD - len(job_run.pending))


def hold_loaded(job_run: JobRun, runs: Sequence[Run]) -> None:
    """Runs loaded from the store, in position order (those held already, which a restart may
    find pending in the store too, are skipped). None loaded: none is left there."""
    if not runs:
        job_run.spilled = 0
    for run in runs:
        job_run.held_through = max(job_run.held_through, run.seq)
        if run.id in job_run.runs:
            continue
        job_run.runs[run.id] = run
        job_run.pending.append(run.id)
        job_run.spilled -= 1
