"""The engine: every JobRun, Run and attempt transition, as a pure deterministic state machine.

Inputs are commands (put/delete/pause/resume a Job, trigger, terminate), launcher events and the
passage of time (``advance(now)``); every input takes ``now`` in epoch milliseconds and nothing
here reads a clock or touches I/O. ``take_output()`` hands over what changed and what to do; see
``output.py`` for the durability contract the driver must keep.

Invariants:
- a Job has at most one active JobRun; a trigger while one is active is recorded as a CANCELED
  JobRun with reason ``another-job-run-active``;
- a Run leaves PENDING/RUNNING exactly once, into SUCCEEDED, FAILED or TERMINATED, and produces
  exactly one results line when it does;
- ``successful_runs + failed_runs`` counts Runs that ended SUCCEEDED/FAILED; a JobRun is
  COMPLETED when no Run is pending (held or spilled) or running;
- memory holds a window of each JobRun's pending Runs (``spill``) and no ended Run after the
  pass that ended it; the store has the rest, which the driver loads when asked (``loads``).

Its parts: the ``Book`` (state, and what the pass changed), ``RunTransitions`` over it (a Run's
dispatch, retries and end, and its JobRun's), ``JobCommands`` (trigger, pause, resume, backfill,
schedules); ``Engine`` takes the inputs and hands each to the part it concerns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable
from typing import Any

from ..schedule import CompiledSchedule
from ..spec import JobDefinition
from ..vocabulary import FINAL_RUN, DirectKind, JobRunType, error
from . import ids
from .book import Book
from .commands import BackfillTick, JobCommands, Rerun
from .errors import EngineError, NotFoundError
from .launcher import (
    AttemptAuthenticated,
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptHeartbeat,
    AttemptRequest,
    AttemptResult,
    AttemptStarted,
)
from .output import Output
from .records import Job, JobRun, KnownJob, Run, timeout_ms
from .results import Identity
from .spill import hold_loaded
from .transitions import RunTransitions
from .waiting import Waiting, capacity_queue, job_run_waiting


class Engine:
    def __init__(
        self,
        *,
        identity: Identity | None = None,
        max_workers: int = 8,
        history_limit: int = 100,
        new_job_run_id: Callable[[], str] = ids.random_job_run_id,
    ) -> None:
        self._book = Book(identity=identity, max_workers=max_workers, history_limit=history_limit)
        self._runs = RunTransitions(self._book)
        self._commands = JobCommands(self._book, self._runs, new_job_run_id)
        self._new_job_run_id = new_job_run_id
        self._known_jobs: dict[str, KnownJob] = {}

    @property
    def identity(self) -> Identity:
        return self._book.identity

    @property
    def max_workers(self) -> int:
        return self._book.max_workers

    @property
    def jobs(self) -> dict[str, Job]:
        return self._book.jobs

    @property
    def job_runs(self) -> dict[str, JobRun]:
        return self._book.job_runs

    def take_output(self) -> Output:
        """What changed and what to do since the last call (``output.py``)."""
        return self._book.take_output()

    # ------------------------------------------------------------------ restore
    def restore(self, jobs: Iterable[KnownJob], job_runs: Iterable[JobRun], now: int) -> None:
        """Load persisted state. Runs that were RUNNING keep their attempt's slot and wait up to
        ``RESTORED_WAIT_MS`` for its outcome from a worker that outlived the controller, unless
        ``requeue_restored`` gives them up first; then they go back to PENDING without using an
        attempt (the controller, not the automation, stopped them). A pause that was waiting for
        attempts to exit is complete. A JobRun stored running with no Run left to run ends
        here, so that it never holds its Job's overlap rule against the first trigger after a
        restart."""
        for known in jobs:
            self._known_jobs[known.job_id] = known
        for job_run in job_runs:
            self.job_runs[job_run.id] = job_run
            if not job_run.active:
                job_run.runs.clear()
                continue
            self._book.active_by_job[job_run.job_id] = job_run.id
            ordered = sorted(job_run.runs.values(), key=lambda r: r.seq)  # unfinished ones
            job_run.pending = deque(r.id for r in ordered if r.status != "RUNNING")
            for run in ordered:
                if run.status == "RUNNING":
                    self._runs.await_restored(job_run, run, now)
            if job_run.status == "PAUSING":
                self._runs.set_status(job_run, "PAUSED", job_run.updated_at)
            elif job_run.status == "PENDING" and not ordered and not job_run.spilled:
                self._runs.finish(job_run, "COMPLETED", job_run.updated_at)  # nothing left to run

    # ----------------------------------------------------------------- commands
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
        """See ``JobCommands.trigger``."""
        return self._commands.trigger(
            job_id, now, type=type, tick=tick, job_run_id=job_run_id, rerun=rerun
        )

    def refuse(self, job_id: str, job_run_id: str, now: int, why: dict[str, str]) -> JobRun:
        """See ``JobCommands.refuse``."""
        return self._commands.refuse(job_id, job_run_id, now, why)

    def pause_job(
        self, job_id: str, now: int, *, why: dict[str, str] | None = None, note: str | None = None
    ) -> None:
        """See ``JobCommands.pause_job``."""
        self._commands.pause_job(job_id, now, why=why, note=note)

    def resume_job(self, job_id: str, now: int) -> None:
        """See ``JobCommands.resume_job``."""
        self._commands.resume_job(job_id, now)

    def backfill(
        self, job_id: str, start: int, end: int, *, dry_run: bool = False
    ) -> list[BackfillTick]:
        """See ``JobCommands.backfill``."""
        return self._commands.backfill(job_id, start, end, dry_run=dry_run)

    def restored_requests(self) -> list[AttemptRequest]:
        """See ``RunTransitions.restored_requests``."""
        return self._runs.restored_requests()

    def requeue_restored(self, keep: Collection[str], now: int) -> None:
        """See ``RunTransitions.requeue_restored``."""
        self._runs.requeue_restored(keep, now)

    def put_job(self, job_id: str, definition: JobDefinition, now: int) -> None:
        """Add or update a Job (from a file or a resource). Running JobRuns keep their
        snapshot; the new definition applies to later JobRuns."""
        job = self.jobs.get(job_id)
        if job is None:
            known = self._known_jobs.pop(job_id, None) or KnownJob(job_id, now)
            job = Job(
                job_id,
                definition,
                known.first_seen,
                known.last_tick,
                known.paused,
                known.pause_note,
                deque(known.backfill),
            )
            self.jobs[job_id] = job
            self._book.job_changed(job)
        job.definition = definition
        job.schedule = CompiledSchedule(definition.schedule) if definition.schedule else None
        job.next_due = None if job.schedule is None else now

    def forget_unknown_jobs(self, now: int) -> None:
        """After loading all definitions on start-up: Jobs whose definition is gone are deleted."""
        self._book.changes.deleted_jobs += list(self._known_jobs)
        self._known_jobs.clear()
        for job_id in [j for j in self._book.active_by_job if j not in self.jobs]:
            self._runs.terminate_active(job_id, now, "terminated", "the Job was deleted")

    def delete_job(self, job_id: str, now: int) -> None:
        self._book.job(job_id)
        self._book.forget_job(job_id)
        self._runs.terminate_active(job_id, now, "terminated", "the Job was deleted")

    def start_direct(self, kind: DirectKind, definition: JobDefinition, now: int) -> JobRun:
        """A one-off JobRun of its own one-off Job (``ids.direct_job_id``), which ends with it:
        a direct Run of the REST API or an AuthSession operation. Runs as any JobRun does
        (same workers, same worker cap); the Job is never scheduled and no person can name it."""
        job_run_id = self._new_job_run_id()
        job_id = ids.direct_job_id(kind, job_run_id)
        self.put_job(job_id, definition, now)
        return self._commands.trigger(job_id, now, job_run_id=job_run_id)

    def touch(self, job_run_id: str) -> None:
        """Something the engine does not hold changed for this JobRun (its results file was
        stored): the next output lists it among the changed JobRuns, so observers look again."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is not None:
            self._book.job_run_changed(job_run)

    def terminate(self, job_run_id: str, now: int) -> JobRun:
        job_run = self.job_runs.get(job_run_id)
        if job_run is None:
            raise NotFoundError(f"no JobRun {job_run_id!r}")
        if job_run.active:
            self._runs.terminate(job_run, now, "user-request", "terminated on request")
        return job_run

    def terminate_runs(self, job_run_id: str, run_ids: Collection[str], now: int) -> int:
        """Of these Runs, those still unfinished end TERMINATED and the JobRun goes on with the
        others (``RunTransitions.terminate_runs``); how many ended. Spilled Runs are not held:
        the caller loads them first (``hold_loaded``), as for a JobRun's terminate."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is None:
            raise NotFoundError(f"no JobRun {job_run_id!r}")
        if not job_run.active:
            raise EngineError(f"JobRun {job_run_id} has ended {job_run.status}: no Run is left")
        held = (job_run.runs.get(run_id) for run_id in dict.fromkeys(run_ids))
        runs = [run for run in held if run is not None and run.status not in FINAL_RUN]
        self._runs.terminate_runs(job_run, runs, now)
        return len(runs)

    def hold_loaded(self, job_run_id: str, runs: list[Run], now: int) -> None:
        """Spilled Runs the driver loaded (``Effects.loads``), in position order; a JobRun that
        was waiting for them to stop stops now."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is None or not job_run.active:
            return
        hold_loaded(job_run, runs)
        if job_run.stopping is not None and not job_run.spilled:
            status, message = job_run.stopping
            self._runs.stop(job_run, status, now, message)

    def fail(self, job_run_id: str, failure: dict[str, Any], now: int) -> None:
        """A JobRun-level error (not a Run's): stop everything, status FAILURE."""
        job_run = self.job_runs[job_run_id]
        if job_run.active:
            job_run.error = failure
            self._runs.stop(job_run, "FAILURE", now, f"the JobRun failed: {failure['message']}")

    # ------------------------------------------------------------------- events
    def handle(self, event: AttemptEvent, now: int) -> None:
        run = self._book.attempts.get(event.attempt_id)
        if run is None:
            self._runs.settle_cancel(event, now)
            return
        job_run = self.job_runs[run.job_run_id]
        if isinstance(event, AttemptStarted | AttemptHeartbeat):
            run.restored = False  # a worker still runs it: it is an attempt like any other
            run.worker_started = True
            # The timeout runs from when the attempt really starts (a cold worker may take a
            # while to get there) and restarts on every extend_timeout() heartbeat.
            run.deadline = now + timeout_ms(job_run, run)
        elif isinstance(event, AttemptExtendedPayload):
            self._runs.extend(job_run, run, event.items, now)
        elif isinstance(event, AttemptAuthenticated):
            job_run.auth_validated = True
        elif isinstance(event, AttemptAuthFailed):
            self._auth_failed(job_run, run, event.reason, now)
        elif isinstance(event, AttemptResult):
            job_run.auth_validated = True  # the API ran, so its AuthSession was valid
            job_run.infrastructure_streak = 0
            run.trace_url, run.log_url = event.trace_url, event.log_url
            run.attributes = event.attributes
            self._runs.record_attempt(run, "succeeded", now)
            run.attempts += 1
            run.result = event.result
            self._runs.end_run(job_run, run, "SUCCEEDED", now)
        elif isinstance(event, AttemptFailed):
            run.trace_url, run.log_url = event.trace_url, event.log_url
            run.attributes = event.attributes
            self._runs.record_attempt(run, "failed", now, event.error)
            self._runs.attempt_failed(job_run, run, event.error, now)
        elif isinstance(event, AttemptExited) and run.restored:
            self._runs.requeue(job_run, run, now)  # its worker ended with no outcome for us
        elif isinstance(event, AttemptExited):
            code = "unknown" if event.exit_code is None else str(event.exit_code)
            failure = error(
                "worker-exited",
                "infrastructure",
                f"the worker exited (code {code}) before reporting a result",
            )
            self._runs.record_attempt(run, "worker-exited", now, failure)
            self._runs.attempt_failed(job_run, run, failure, now)

    def advance(self, now: int) -> None:
        """Let time pass: fire due schedules, time out attempts, start what may start."""
        self._commands.fire_due_schedules(now)
        self._runs.expire(now)
        self._commands.start_backfills(now)
        self._runs.dispatch(now)

    def attempt_auth_session(self, attempt_id: str) -> str | None:
        """The AuthSession of the JobRun the attempt in flight belongs to (None: it has none, or
        no such attempt is in flight): the only session that attempt may ask about."""
        run = self._book.attempts.get(attempt_id)
        return None if run is None else self.job_runs[run.job_run_id].auth_session

    def waiting(self, job_run_id: str) -> Waiting | None:
        """Why the JobRun's pending Runs are not running now (``waiting.py``)."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is None or not job_run.active:
            return None
        return self.waitings().get(job_run_id)

    def waitings(self) -> dict[str, Waiting | None]:
        """``waiting`` of every active JobRun, the worker queue worked out once for all."""
        active = self._book.active_job_runs()
        queue = capacity_queue(active)
        return {
            job_run.id: job_run_waiting(
                job_run,
                job_paused=self._book.paused(job_run.job_id),
                running_total=self._book.running_total,
                max_workers=self.max_workers,
                ahead=queue.get(job_run.id, 0),
            )
            for job_run in active
        }

    def next_wakeup(self) -> int | None:
        """The earliest instant at which ``advance`` has something to do (None: nothing)."""
        times = [job.next_due for job in self.jobs.values() if job.next_due is not None]
        for job_run in self._book.active_job_runs():
            times += [job_run.runs[r].deadline or 0 for r in job_run.running]
            times += list(job_run.canceling.values())
        return min(times, default=None)

    # ---------------------------------------------------------------- internals
    def _auth_failed(self, job_run: JobRun, run: Run, why: dict[str, str], now: int) -> None:
        """The attempt never ran the API: it uses no retry, and runs first after the resume.
        A direct JobRun has nobody to resume it: its Run fails with the reason."""
        failure = error("auth-check-failed", "auth", why["message"])
        self._runs.record_attempt(run, "auth-failed", now, failure)
        if ids.direct_kind(job_run.job_id) is not None:
            run.attempts += 1
            run.error = failure
            self._runs.end_run(job_run, run, "FAILED", now)
            return
        self._runs.back_to_pending(job_run, run, first=True)
        if job_run.job_id in self.jobs:
            self._commands.pause_job(job_run.job_id, now, why=why)
        else:
            self._runs.terminate(job_run, now, "terminated", "the Job was deleted")
