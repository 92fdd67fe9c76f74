"""JSONL results files, one per JobRun, with exactly one line per final Run across crashes.

Lines reach a file only after the store has committed them, and the store's watermark
(last written seq, file size) advances only after the lines are written and flushed. A crash
between the two leaves the file *longer* than the watermark says; ``reconcile`` cuts it back and
writes the missing lines again. A file shorter than recorded (another replica wrote it, on
its own disk, before this one took over; or it was cut) is made again whole from the store: a
line is a pure function of its Run's row. Flushing hands the bytes to the OS, which is what
survives a killed process; each file is fsynced when its JobRun ends.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import defaultdict
from pathlib import Path
from typing import BinaryIO

from ..engine import Identity, LineOwner, ResultRecord, result_record
from ..store import StateFullError, Store, is_full

RECONCILED = 1_000
"""Lines made again per batch: a file made again whole (a million Runs) never is in memory."""


class ResultsFiles:
    def __init__(self, root: Path, store: Store, identity: Identity) -> None:
        self.root = root
        self.store = store
        self.identity = identity
        self._open: dict[Path, BinaryIO] = {}

    def path(self, job_id: str, job_run_id: str) -> Path:
        return self.root / job_id / f"{job_run_id}.jsonl"

    def reconcile(self) -> None:
        """Make every file match the store: cut off unacknowledged lines, add missing ones."""
        for mark in self.store.watermarks():
            path = self.path(mark.job_id, mark.job_run_id)
            size = path.stat().st_size if path.exists() else 0
            if size == mark.written_size and mark.written_seq == mark.results_seq:
                continue
            after = mark.written_seq
            if size < mark.written_size:  # not this host's file (a replica took over), or cut
                path.unlink(missing_ok=True)
                after = 0
            elif size > mark.written_size:
                with path.open("r+b") as handle:
                    handle.truncate(mark.written_size)
            owner = LineOwner(mark.job_id, mark.job_run_id, mark.auth_session)
            unwritten = self.store.unwritten_runs(mark.job_run_id, after)
            while batch := list(itertools.islice(unwritten, RECONCILED)):
                self.append([result_record(self.identity, owner, run) for run in batch])
        self.close()  # ended JobRuns' files among them: the passes open what they append to

    def append(self, records: list[ResultRecord]) -> None:
        by_job_run: dict[tuple[str, str], list[ResultRecord]] = defaultdict(list)
        for record in records:
            by_job_run[(record.job_id, record.job_run_id)].append(record)
        marks = []
        for (job_id, job_run_id), batch in by_job_run.items():
            path = self.path(job_id, job_run_id)
            try:
                handle = self._handle(path)
                for record in batch:  # an uploaded result's piece is written, not copied
                    handle.writelines(record.pieces)
                    handle.write(b"\n")
                handle.flush()
                marks.append((job_run_id, batch[-1].seq, handle.tell()))
            except OSError as exc:  # the lines stay in the store: a restart writes them
                self._close(path)
                if is_full(exc):
                    raise StateFullError(path) from None
                raise
        if marks:
            self.store.mark_results_written(marks)

    def _handle(self, path: Path) -> BinaryIO:
        """The file stays open while its JobRun runs (``sync`` closes it): one open per JobRun,
        not one per pass."""
        handle = self._open.get(path)
        if handle is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self._open[path] = path.open("ab")
        return handle

    def _close(self, path: Path) -> None:
        """Each append flushed its lines, so closing has nothing to write, except after a
        failed write, whose bytes are dropped (the store keeps the lines)."""
        handle = self._open.pop(path, None)
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()

    def sync(self, job_id: str, job_run_id: str) -> None:
        """Its JobRun ended: the file is made durable and closed."""
        path = self.path(job_id, job_run_id)
        self._close(path)
        if path.exists():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())

    def remove(self, job_id: str, job_run_id: str) -> None:
        path = self.path(job_id, job_run_id)
        self._close(path)
        path.unlink(missing_ok=True)

    def close(self) -> None:
        for path in list(self._open):
            self._close(path)
