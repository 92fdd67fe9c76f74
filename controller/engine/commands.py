"""Commands about a Job: trigger it (or rerun items of an earlier JobRun), pause it with a
note, resume it, backfill ticks of its schedule, one JobRun at a time; and the triggers time
makes (due schedule ticks, queued backfills). Pure, like the rest of the engine: ``now`` is
given, nothing is read or written but the engine's ``Book``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..schedule import jitter_delay_ms, plan_catchup
from ..spec import PayloadItem
from ..vocabulary import BackfillState, JobRunType, ReasonType, reason, run_reason
from . import ids
from .book import Book
from .errors import EngineError, NotFoundError
from .records import Job, JobRun
from .transitions import RunTransitions

CANCEL_GRACE_MS = 30_000
"""How long a pause waits for cancelled attempts to exit before calling the JobRun PAUSED."""
BACKFILL_MAX_TICKS = 1_000
"""Ticks one backfill may ask for; a longer range is an error that says to split it."""


@dataclass(frozen=True)
class Rerun:
    """Items of an earlier JobRun to run again: ``run_ids[i]`` is the Run ``items[i]`` was."""

    job_run_id: str
    run_ids: list[str]
    items: Sequence[PayloadItem] = field(repr=False)

    def origin(self) -> dict[str, Any]:
        return {"jobRunId": self.job_run_id, "runIds": self.run_ids}


@dataclass(frozen=True)
class BackfillTick:
    tick: int
    job_run_id: str
    state: BackfillState


class JobCommands:
    def __init__(self, book: Book, runs: RunTransitions, new_job_run_id: Callable[[], str]) -> None:
        self._book = book
        self._runs = runs
        self._new_job_run_id = new_job_run_id

    def trigger(
        self,
        job_id: str,
        now: int,
        *,
        type: JobRunType = "MANUAL",
        tick: int | None = None,
        job_run_id: str | None = None,
        rerun: Rerun | None = None,
    ) -> JobRun:
        """``job_run_id`` names a manual JobRun (a JobRun resource a person created); triggering
        an ID that exists returns that JobRun, so a repeated request creates nothing twice.
        ``rerun``: the JobRun runs these items of an earlier one (with the Job's configuration
        of now), not the Job's payload.

        A trigger of an unknown or paused Job raises ``NotFoundError`` or ``EngineError``, unless
        it names its JobRun: that JobRun exists already (a resource) and is recorded CANCELED,
        with the reason, so that it reads the same everywhere (API, status, history)."""
        if job_run_id is not None and job_run_id in self._book.job_runs:
            return self._book.job_runs[job_run_id]
        job = self._book.jobs.get(job_id)
        if job is None or (job.paused and type == "MANUAL"):
            return self._refuse(job_id, job, now, job_run_id)
        if tick is not None:
            job_run_id = ids.scheduled_job_run_id(job_id, tick)
        job_run_id = job_run_id or self._new_job_run_id()
        if job_run_id in self._book.job_runs:
            return self._book.job_runs[job_run_id]
        definition = job.definition
        job_run = JobRun(
            id=job_run_id,
            job_id=job_id,
            type=type,
            status="PENDING",
            created_at=now,
            snapshot=definition.canonical(payload=False),
            concurrency=definition.configuration.maxConcurrentRequests,
            request_timeout_ms=definition.configuration.requestTimeout * 1000,
            scheduled_time=tick,
            updated_at=now,
            auth_session=definition.auth_session.id if definition.auth_session else None,
            rerun_of=None if rerun is None else rerun.origin(),
        )
        self._book.job_run_created(job_run)
        if tick is not None:
            job.last_tick = max(job.last_tick or tick, tick)
            self._book.job_changed(job)
        if job_id in self._book.active_by_job:
            job_run.status, job_run.end_time = "CANCELED", now
            job_run.reason = reason(
                "another-job-run-active",
                f"JobRun {self._book.active_by_job[job_id]} of this Job is still active",
            )
            self._book.notice(job_run, "CANCELED: another JobRun of this Job is still active")
            self._book.prune(job_id)
            return job_run
        job_run.start_time = now
        self._book.active_by_job[job_id] = job_run_id
        items = definition.payload if rerun is None else rerun.items
        self._runs.add_runs(job_run, items, extended_from=None)
        self._book.notice(job_run, f"created ({type}, {job_run.payloads} payload items)")
        return job_run

    def _refuse(self, job_id: str, job: Job | None, now: int, job_run_id: str | None) -> JobRun:
        kind: ReasonType
        if job is None:
            kind, message = "terminated", f"no job {job_id!r}"
        else:
            kind, message = (
                "user-request",
                f"job {job_id!r} is paused; resume it before triggering it",
            )
        if job_run_id is None:
            raise (NotFoundError if job is None else EngineError)(message)
        return self.refuse(job_id, job_run_id, now, reason(kind, message))

    def refuse(self, job_id: str, job_run_id: str, now: int, why: dict[str, str]) -> JobRun:
        """Record a JobRun a person named (a resource) that cannot run as CANCELED, with
        ``why``, so that it reads the same everywhere; a JobRun that exists is left as it is."""
        if job_run_id in self._book.job_runs:
            return self._book.job_runs[job_run_id]
        job = self._book.jobs.get(job_id)
        message = why["message"]
        job_run = JobRun(
            id=job_run_id,
            job_id=job_id,
            type="MANUAL",
            status="CANCELED",
            created_at=now,
            snapshot={} if job is None else job.definition.canonical(payload=False),
            concurrency=0,
            request_timeout_ms=0,
            end_time=now,
            updated_at=now,
            reason=why,
        )
        self._book.job_run_created(job_run)
        self._book.notice(job_run, f"CANCELED: {message}")
        self._book.prune(job_id)
        return job_run

    def pause_job(
        self, job_id: str, now: int, *, why: dict[str, str] | None = None, note: str | None = None
    ) -> None:
        """No new JobRuns; in-flight attempts are cancelled without counting and re-run later.
        ``why`` is the paused JobRun's reason when the controller, not a person, pauses it (a
        sink that refuses results: ``s3-sink-error``); ``note`` is the person's reason, kept
        with the Job until it is resumed (pausing a paused Job replaces it)."""
        job = self._book.job(job_id)
        job.paused = True
        job.pause_note = note or (None if why is None else why["message"])
        self._book.job_changed(job)
        job_run = self._book.active(job_id)
        if job_run is None or job_run.status in ("PAUSING", "PAUSED"):
            return
        asked = f"paused on request ({note})" if note else "paused on request"
        job_run.reason = why or reason("user-request", f"{asked}; resume the Job to go on")
        interrupted = sorted((job_run.runs[i] for i in job_run.running), key=lambda r: r.seq)
        for run in interrupted:
            self._runs.record_attempt(run, "cancelled", now)
            run.reason = run_reason("job-run-paused", "its JobRun paused; it runs again on resume")
            job_run.canceling[run.attempt_id] = now + CANCEL_GRACE_MS
            self._runs.release(job_run, run)
            self._book.effects.cancels.append(run.attempt_id)
            run.status = "PENDING"
            self._book.run_changed(run)
        job_run.pending.extendleft(run.id for run in reversed(interrupted))  # first on resume
        self._runs.set_status(job_run, "PAUSING" if job_run.canceling else "PAUSED", now)

    def resume_job(self, job_id: str, now: int) -> None:
        """Scheduling restarts from now (ticks during the pause are not caught up) and a paused
        JobRun continues from where it stopped."""
        job = self._book.job(job_id)
        job.paused, job.pause_note = False, None
        job.last_tick = max(job.last_tick or now, now)
        job.next_due = None if job.schedule is None else now
        self._book.job_changed(job)
        job_run = self._book.active(job_id)
        if job_run is not None and job_run.status in ("PAUSING", "PAUSED"):
            job_run.reason = None
            job_run.auth_validated = False
            self._runs.set_status(job_run, "RESUMING", now)

    def backfill(
        self, job_id: str, start: int, end: int, *, dry_run: bool = False
    ) -> list[BackfillTick]:
        """The Job's ticks in ``[start, end)`` as SCHEDULED JobRuns for their times, queued to
        run one after another (never beside another JobRun of the Job), oldest first. A tick's
        JobRun ID is the one its schedule would have given it, so a tick that ran (or a repeated
        backfill) is not run twice. Raises ``EngineError`` for a Job without a schedule, an
        empty range, or more than ``BACKFILL_MAX_TICKS`` ticks."""
        job = self._book.job(job_id)
        if job.schedule is None:
            raise EngineError(f"job {job_id!r} has no schedule: it has no ticks to backfill")
        if end <= start:
            raise EngineError("the range is empty: its end must be after its start")
        found = job.schedule.ticks_after(start - 1, BACKFILL_MAX_TICKS + 1)
        ticks = [t.time_ms for t in found if t.time_ms < end]
        if len(ticks) > BACKFILL_MAX_TICKS:
            raise EngineError(
                f"the range has more than {BACKFILL_MAX_TICKS} ticks; backfill it in parts"
            )
        queued = set(job.backfill)
        plan = [BackfillTick(tick, *self._backfill_state(job, tick, queued)) for tick in ticks]
        if not dry_run and any(t.state == "queued" for t in plan):
            job.backfill = deque(sorted(queued | {t.tick for t in plan if t.state == "queued"}))
            self._book.job_changed(job)
        return plan

    def _backfill_state(self, job: Job, tick: int, queued: set[int]) -> tuple[str, BackfillState]:
        job_run_id = ids.scheduled_job_run_id(job.job_id, tick)
        if job_run_id in self._book.job_runs:
            return job_run_id, "exists"
        return job_run_id, "already-queued" if tick in queued else "queued"

    def fire_due_schedules(self, now: int) -> None:
        """Each unpaused Job whose schedule is due triggers its tick (after its jitter), records
        the ticks it missed, and learns when it is due next."""
        for job in list(self._book.jobs.values()):
            if job.next_due is not None and job.next_due <= now and not job.paused:
                self._fire_schedule(job, now)

    def _fire_schedule(self, job: Job, now: int) -> None:
        assert job.schedule is not None
        anchor = job.last_tick if job.last_tick is not None else job.first_seen
        plan = plan_catchup(job.schedule, last_tick_ms=anchor, now_ms=now)
        jitter = job.schedule.spec.jitter
        if plan.start is not None:
            due = plan.start + jitter_delay_ms(job.job_id, plan.start, jitter)
            if due > now:
                job.next_due = due
                return
            self.trigger(job.job_id, now, type="SCHEDULED", tick=plan.start)
        self._book.changes.missed_ticks += [(job.job_id, tick) for tick in plan.missed]
        if plan.missed:
            job.last_tick = max(job.last_tick or 0, plan.missed[-1], plan.start or 0)
            self._book.job_changed(job)
        nxt = plan.next_tick
        job.next_due = None if nxt is None else nxt + jitter_delay_ms(job.job_id, nxt, jitter)

    def start_backfills(self, now: int) -> None:
        """The next backfilled tick of each Job with no active JobRun starts (not while paused)."""
        for job in list(self._book.jobs.values()):
            if job.backfill and not job.paused and job.job_id not in self._book.active_by_job:
                tick = job.backfill.popleft()
                self._book.job_changed(job)
                self.trigger(job.job_id, now, type="SCHEDULED", tick=tick)
