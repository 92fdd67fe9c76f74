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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from ..schedule import CompiledSchedule, jitter_delay_ms, plan_catchup
from ..spec import JobDefinition
from ..vocabulary import DirectKind, error
from . import ids
from .commands import JobCommands
from .errors import NotFoundError
from .launcher import (
    AttemptAuthenticated,
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptHeartbeat,
    AttemptResult,
    AttemptStarted,
)
from .records import Job, JobRun, KnownJob, Run, timeout_ms
from .results import Identity
from .spill import hold_loaded
from .waiting import Waiting, capacity_queue, job_run_waiting


class Engine(JobCommands):
    def __init__(
        self,
        *,
        identity: Identity | None = None,
        max_workers: int = 8,
        history_limit: int = 100,
        new_job_run_id: Callable[[], str] = ids.random_job_run_id,
    ) -> None:
        super().__init__(
            identity=identity,
            max_workers=max_workers,
            history_limit=history_limit,
            new_job_run_id=new_job_run_id,
        )
        self._known_jobs: dict[str, KnownJob] = {}

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
            self._active_by_job[job_run.job_id] = job_run.id
            ordered = sorted(job_run.runs.values(), key=lambda r: r.seq)  # unfinished ones
            job_run.pending = deque(r.id for r in ordered if r.status != "RUNNING")
            for run in ordered:
                if run.status == "RUNNING":
                    self._await_restored(job_run, run, now)
            if job_run.status == "PAUSING":
                self._set_status(job_run, "PAUSED", job_run.updated_at)
            elif job_run.status == "PENDING" and not ordered and not job_run.spilled:
                self._finish(job_run, "COMPLETED", job_run.updated_at)  # nothing left to run

    # ----------------------------------------------------------------- commands
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
            self._dirty_jobs[job_id] = job
        job.definition = definition
        job.schedule = CompiledSchedule(definition.schedule) if definition.schedule else None
        job.next_due = None if job.schedule is None else now

    def forget_unknown_jobs(self, now: int) -> None:
        """After loading all definitions on start-up: Jobs whose definition is gone are deleted."""
        self._changes.deleted_jobs += list(self._known_jobs)
        self._known_jobs.clear()
        for job_id in [j for j in self._active_by_job if j not in self.jobs]:
            self._terminate_active(job_id, now, "terminated", "the Job was deleted")

    def delete_job(self, job_id: str, now: int) -> None:
        self._job(job_id)
        self._forget_job(job_id)
        self._terminate_active(job_id, now, "terminated", "the Job was deleted")

    def start_direct(self, kind: DirectKind, definition: JobDefinition, now: int) -> JobRun:
        """A one-off JobRun of its own one-off Job (``ids.direct_job_id``), which ends with it:
        a direct Run of the REST API or an AuthSession operation. Runs as any JobRun does
        (same workers, same worker cap); the Job is never scheduled and no person can name it."""
        job_run_id = self._new_job_run_id()
        job_id = ids.direct_job_id(kind, job_run_id)
        self.put_job(job_id, definition, now)
        return self.trigger(job_id, now, job_run_id=job_run_id)

    def touch(self, job_run_id: str) -> None:
        """Something the engine does not hold changed for this JobRun (its results file was
        stored): the next output lists it among the changed JobRuns, so observers look again."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is not None:
            self._dirty_job_runs[job_run_id] = job_run

    def terminate(self, job_run_id: str, now: int) -> JobRun:
        job_run = self.job_runs.get(job_run_id)
        if job_run is None:
            raise NotFoundError(f"no JobRun {job_run_id!r}")
        if job_run.active:
            self._terminate(job_run, now, "user-request", "terminated on request")
        return job_run

    def hold_loaded(self, job_run_id: str, runs: list[Run], now: int) -> None:
        """Spilled Runs the driver loaded (``Effects.loads``), in position order; a JobRun that
        was waiting for them to stop stops now."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is None or not job_run.active:
            return
        hold_loaded(job_run, runs)
        if job_run.stopping is not None and not job_run.spilled:
            status, message = job_run.stopping
            self._stop(job_run, status, now, message)

    def fail(self, job_run_id: str, failure: dict[str, Any], now: int) -> None:
        """A JobRun-level error (not a Run's): stop everything, status FAILURE."""
        job_run = self.job_runs[job_run_id]
        if job_run.active:
            job_run.error = failure
            self._stop(job_run, "FAILURE", now, f"the JobRun failed: {failure['message']}")

    # ------------------------------------------------------------------- events
    def handle(self, event: AttemptEvent, now: int) -> None:
        run = self._attempts.get(event.attempt_id)
        if run is None:
            self._settle_cancel(event, now)
            return
        job_run = self.job_runs[run.job_run_id]
        if isinstance(event, AttemptStarted | AttemptHeartbeat):
            run.restored = False  # a worker still runs it: it is an attempt like any other
            run.worker_started = True
            # The timeout runs from when the attempt really starts (a cold worker may take a
            # while to get there) and restarts on every extend_timeout() heartbeat.
            run.deadline = now + timeout_ms(job_run, run)
        elif isinstance(event, AttemptExtendedPayload):
            self._extend(job_run, run, event.items, now)
        elif isinstance(event, AttemptAuthenticated):
            job_run.auth_validated = True
        elif isinstance(event, AttemptAuthFailed):
            self._auth_failed(job_run, run, event.reason, now)
        elif isinstance(event, AttemptResult):
            job_run.auth_validated = True  # the API ran, so its AuthSession was valid
            job_run.infrastructure_streak = 0
            run.trace_url, run.log_url = event.trace_url, event.log_url
            run.attributes = event.attributes
            self._record_attempt(run, "succeeded", now)
            run.attempts += 1
            run.result = event.result
            self._end_run(job_run, run, "SUCCEEDED", now)
        elif isinstance(event, AttemptFailed):
            run.trace_url, run.log_url = event.trace_url, event.log_url
            run.attributes = event.attributes
            self._record_attempt(run, "failed", now, event.error)
            self._attempt_failed(job_run, run, event.error, now)
        elif isinstance(event, AttemptExited) and run.restored:
            self._requeue(job_run, run, now)  # its worker ended with no outcome for us
        elif isinstance(event, AttemptExited):
            code = "unknown" if event.exit_code is None else str(event.exit_code)
            failure = error(
                "worker-exited",
                "infrastructure",
                f"the worker exited (code {code}) before reporting a result",
            )
            self._record_attempt(run, "worker-exited", now, failure)
            self._attempt_failed(job_run, run, failure, now)

    def advance(self, now: int) -> None:
        """Let time pass: fire due schedules, time out attempts, start what may start."""
        for job in list(self.jobs.values()):
            if job.next_due is not None and job.next_due <= now and not job.paused:
                self._fire_schedule(job, now)
        for job_run in [self.job_runs[i] for i in self._active_by_job.values()]:
            for run_id in list(job_run.running):
                run = job_run.runs[run_id]
                if run.deadline is not None and run.deadline <= now and run.restored:
                    self._requeue(job_run, run, now)
                elif run.deadline is not None and run.deadline <= now:
                    self._effects.cancels.append(run.attempt_id)
                    seconds = timeout_ms(job_run, run) // 1000
                    failure = error(
                        "script-timeout",
                        "execution",
                        f"the attempt did not finish within requestTimeout ({seconds}s)",
                    )
                    self._record_attempt(run, "timed-out", now, failure)
                    self._attempt_failed(job_run, run, failure, now)
            for attempt_id, give_up in list(job_run.canceling.items()):
                if give_up <= now:
                    self._settle_cancel(AttemptExited(attempt_id), now)
        self._start_backfills(now)
        self._dispatch(now)

    def attempt_auth_session(self, attempt_id: str) -> str | None:
        """The AuthSession of the JobRun the attempt in flight belongs to (None: it has none, or
        no such attempt is in flight): the only session that attempt may ask about."""
        run = self._attempts.get(attempt_id)
        return None if run is None else self.job_runs[run.job_run_id].auth_session

    def waiting(self, job_run_id: str) -> Waiting | None:
        """Why the JobRun's pending Runs are not running now (``waiting.py``)."""
        job_run = self.job_runs.get(job_run_id)
        if job_run is None or not job_run.active:
            return None
        return self.waitings().get(job_run_id)

    def waitings(self) -> dict[str, Waiting | None]:
        """``waiting`` of every active JobRun, the worker queue worked out once for all."""
        active = [self.job_runs[i] for i in self._active_by_job.values()]
        queue = capacity_queue(active)
        return {
            job_run.id: job_run_waiting(
                job_run,
                job_paused=self._paused(job_run.job_id),
                running_total=self._running_total,
                max_workers=self.max_workers,
                ahead=queue.get(job_run.id, 0),
            )
            for job_run in active
        }

    def _paused(self, job_id: str) -> bool:
        job = self.jobs.get(job_id)
        return job is not None and job.paused

    def next_wakeup(self) -> int | None:
        """The earliest instant at which ``advance`` has something to do (None: nothing)."""
        times = [job.next_due for job in self.jobs.values() if job.next_due is not None]
        for job_run_id in self._active_by_job.values():
            job_run = self.job_runs[job_run_id]
            times += [job_run.runs[r].deadline or 0 for r in job_run.running]
            times += list(job_run.canceling.values())
        return min(times, default=None)

    # ---------------------------------------------------------------- internals
    def _auth_failed(self, job_run: JobRun, run: Run, why: dict[str, str], now: int) -> None:
        """The attempt never ran the API: it uses no retry, and runs first after the resume.
        A direct JobRun has nobody to resume it: its Run fails with the reason."""
        failure = error("auth-check-failed", "auth", why["message"])
        self._record_attempt(run, "auth-failed", now, failure)
        if ids.direct_kind(job_run.job_id) is not None:
            run.attempts += 1
            run.error = failure
            self._end_run(job_run, run, "FAILED", now)
            return
        self._release(job_run, run)
        run.status = "PENDING"
        job_run.pending.appendleft(run.id)
        self._touch_run(run)
        if job_run.job_id in self.jobs:
            self.pause_job(job_run.job_id, now, why=why)
        else:
            self._terminate(job_run, now, "terminated", "the Job was deleted")

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
        self._changes.missed_ticks += [(job.job_id, tick) for tick in plan.missed]
        if plan.missed:
            job.last_tick = max(job.last_tick or 0, plan.missed[-1], plan.start or 0)
            self._dirty_jobs[job.job_id] = job
        nxt = plan.next_tick
        job.next_due = None if nxt is None else nxt + jitter_delay_ms(job.job_id, nxt, jitter)
