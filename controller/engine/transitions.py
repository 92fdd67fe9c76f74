"""The transitions of Runs within a JobRun (dispatch, launch, retry, end) and the end of the
JobRun they belong to, over the engine's ``Book``. Every transition takes ``now``; nothing here
reads a clock or touches I/O, and every change is marked in the book, where the pass's output
finds it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from typing import Any

from pydantic import ValidationError

from ..spec import PayloadItem
from ..vocabulary import (
    NOT_RETRIED,
    PROJECT_INCOMPLETE,
    AttemptOutcome,
    JobRunStatus,
    ReasonType,
    RunStatus,
    error,
    job_run_error,
    reason,
    run_reason,
)
from . import ids
from .attempt_requests import attempt_request, shared_request
from .book import Book
from .deliveries import ending_deliveries, sink_delivery
from .launcher import AttemptEvent, AttemptExited, AttemptFailed, AttemptRequest, AttemptResult
from .output import ended_attempt, implied_by_run
from .policies import failure_pause_note
from .records import JobRun, Run, timeout_ms
from .results import LineOwner, result_record
from .spill import SpilledRuns, held_room, hold, new_run

AUTH_EXPIRY_RERUNS = 3
"""Starts of a Run that may end in an expired AuthSession without using an attempt."""
RESTORED_WAIT_MS = 20_000
"""How long a Run whose attempt was in flight at a restart waits for that attempt's outcome
(from a worker that outlived the controller and resends it) before it runs again."""
INFRASTRUCTURE_FAILURES_IN_A_ROW = 20
"""Attempts of one JobRun failing with an infrastructure error, with no success or other
failure between them, after which the JobRun ends FAILURE. Well above what one crash costs (a
worker's attempts at once, a few workers), well below a JobRun's worth of doomed attempts."""


class RunTransitions:
    def __init__(self, book: Book) -> None:
        self._book = book

    def set_status(
        self, job_run: JobRun, status: JobRunStatus, now: int, *, notice: bool = True
    ) -> None:
        job_run.status = status
        job_run.updated_at = now
        self._book.job_run_changed(job_run)
        if notice:
            self._book.notice(job_run, status)
        if status == "PAUSED" or not job_run.active:
            self._book.changes.deliveries += ending_deliveries(job_run, self._book.identity, now)

    def add_runs(
        self, job_run: JobRun, items: Sequence[PayloadItem], extended_from: str | None
    ) -> None:
        """Runs for payload items (their parameters shared with the definition, not copied),
        as many as ``configuration.maxRuns`` leaves room for."""
        configuration = job_run.snapshot["configuration"]
        default_attempts = configuration["retry"]["maximumAttempts"]
        room = configuration.get("maxRuns", len(items) + job_run.payloads) - job_run.payloads
        if len(items) > room:
            if not job_run.dropped_items:
                self._book.notice(
                    job_run,
                    f"{len(items) - max(room, 0)} extend_payload items dropped: the JobRun has "
                    f"reached configuration.maxRuns ({configuration['maxRuns']}); later ones "
                    "are counted when it ends",
                )
            job_run.dropped_items += len(items) - max(room, 0)
            items = items[: max(room, 0)]
        held = min(len(items), held_room(job_run))
        for seq, item in enumerate(items[:held], start=job_run.payloads):
            run = new_run(job_run.id, seq, item, default_attempts, extended_from)
            hold(job_run, run)
            self._book.run_created(run)
        if len(items) > held:
            first = job_run.payloads + held
            spilled = SpilledRuns(job_run.id, first, items[held:], default_attempts, extended_from)
            self._book.changes.spilled_runs.append(spilled)
            job_run.spilled += len(items) - held
        job_run.payloads += len(items)
        self._book.job_run_changed(job_run)

    def extend(
        self, job_run: JobRun, run: Run, items: tuple[dict[str, Any], ...], now: int
    ) -> None:
        accepted = []
        for index, raw in enumerate(items):
            try:
                accepted.append(PayloadItem.model_validate(raw))
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"]
                self._book.notice(
                    job_run, f"extend_payload item {index} from {run.id} ignored: {problem}"
                )
        self.add_runs(job_run, accepted, extended_from=run.id)
        job_run.updated_at = now

    def dispatch(self, now: int) -> None:
        for job_run_id in list(self._book.active_by_job.values()):
            job_run = self._book.job_runs[job_run_id]
            if job_run.status == "RESUMING":
                self.set_status(job_run, "PENDING", now)
            if job_run.status != "PENDING" or job_run.stopping:
                continue
            validating = job_run.auth_session is not None and not job_run.auth_validated
            concurrency = 1 if validating else job_run.concurrency
            shared: dict[str, Any] | None = None
            while (
                job_run.pending
                and len(job_run.running) < concurrency
                and self._book.running_total < self._book.max_workers
            ):
                shared = shared or shared_request(job_run, self._book.proxy(job_run.job_id))
                self._launch(job_run, job_run.runs[job_run.pending.popleft()], now, shared)

    def _launch(self, job_run: JobRun, run: Run, now: int, shared: dict[str, Any]) -> None:
        run.status = "RUNNING"
        run.reason = None  # a pause's, now over
        run.launches += 1
        run.started_at = run.started_at or now
        run.attempt_started_at = now
        run.worker_started = False
        timeout = timeout_ms(job_run, run)
        run.deadline = now + timeout
        job_run.running.add(run.id)
        self._book.running_total += 1
        self._book.attempts[run.attempt_id] = run
        self._book.run_changed(run)
        self._book.effects.starts.append(attempt_request(run, timeout, shared))

    def await_restored(self, job_run: JobRun, run: Run, now: int) -> None:
        """At a restart: the Run keeps its attempt's slot for ``RESTORED_WAIT_MS``, so that the
        outcome of an attempt that finished while the controller was away counts (the Run does
        not run twice). A JobRun that is not running (paused, stopping) gives it up at once."""
        if job_run.status != "PENDING" or job_run.stopping:
            self.record_attempt(run, "interrupted", now)
            run.status = "PENDING"
            job_run.pending.append(run.id)
            self._book.run_changed(run)
            return
        run.restored = True
        run.deadline = now + RESTORED_WAIT_MS
        job_run.running.add(run.id)
        self._book.running_total += 1
        self._book.attempts[run.attempt_id] = run

    def restored_requests(self) -> list[AttemptRequest]:
        """The attempts restored Runs wait for, as they were started (for a launcher that can
        take them back from its workers)."""
        requests = []
        for run in self._book.attempts.values():
            if run.restored:
                job_run = self._book.job_runs[run.job_run_id]
                shared = shared_request(job_run, self._book.proxy(job_run.job_id))
                requests.append(attempt_request(run, timeout_ms(job_run, run), shared))
        return requests

    def requeue_restored(self, keep: Collection[str], now: int) -> None:
        """Restored Runs whose attempts are not in ``keep`` (no worker can still hold them) go
        back to PENDING now, without using an attempt."""
        for run in [r for r in self._book.attempts.values() if r.restored]:
            if run.attempt_id not in keep:
                self.requeue(self._book.job_runs[run.job_run_id], run, now)

    def requeue(self, job_run: JobRun, run: Run, now: int) -> None:
        """A restored Run whose attempt's outcome never came runs again without using an
        attempt; the attempt stays in its history (``interrupted``) and, should a worker still
        run it, is cancelled."""
        self.record_attempt(run, "interrupted", now)
        self._book.effects.cancels.append(run.attempt_id)
        run.restored = False
        self.back_to_pending(job_run, run, first=True)

    def record_attempt(
        self, run: Run, outcome: AttemptOutcome, now: int, failure: dict[str, Any] | None = None
    ) -> None:
        """The Run's current attempt ended (called before anything changes the Run)."""
        if not implied_by_run(run, outcome):
            self._book.changes.attempts.append(ended_attempt(run, outcome, now, failure))

    def release(self, job_run: JobRun, run: Run) -> None:
        """The run's current attempt is over (or abandoned): free its slot."""
        self._book.attempts.pop(run.attempt_id, None)
        if run.id in job_run.running:
            job_run.running.discard(run.id)
            self._book.running_total -= 1
        run.deadline = None

    def back_to_pending(self, job_run: JobRun, run: Run, *, first: bool = False) -> None:
        """The Run's attempt is over without ending it: it waits to run again, ``first`` to
        run before every other pending Run."""
        self.release(job_run, run)
        run.status = "PENDING"
        if first:
            job_run.pending.appendleft(run.id)
        else:
            job_run.pending.append(run.id)
        self._book.run_changed(run)

    def attempt_failed(self, job_run: JobRun, run: Run, failure: dict[str, Any], now: int) -> None:
        """A failed attempt uses one of the Run's attempts, except when its AuthSession expired
        under it (category ``auth``: the session, not the automation, failed; the Run runs again
        with the recreated session), at most ``AUTH_EXPIRY_RERUNS`` times over its uncounted
        starts."""
        run.error = failure
        uncounted = run.launches - run.attempts
        if failure.get("category") == "auth" and uncounted <= AUTH_EXPIRY_RERUNS:
            self.back_to_pending(job_run, run)
            return
        run.attempts += 1
        if self._project_incomplete(job_run, run, failure, now):
            return
        if self._infrastructure_streak(job_run, run, failure, now):
            return
        final = failure.get("category") == "user" or failure.get("code") in NOT_RETRIED
        if final or run.attempts >= run.max_attempts:
            self.end_run(job_run, run, "FAILED", now)
            return
        self.back_to_pending(job_run, run)

    def _project_incomplete(
        self, job_run: JobRun, run: Run, failure: dict[str, Any], now: int
    ) -> bool:
        """A failure that says the project lacks what every Run needs (``PROJECT_INCOMPLETE``)
        ends the Run FAILED and the JobRun FAILURE at once (True), instead of failing each Run
        the same way: a resume could not help before the project is fixed."""
        cause = PROJECT_INCOMPLETE.get(str(failure.get("code")))
        if cause is None:
            return False
        job_run.error = job_run_error(
            cause,
            f"{failure.get('message')}; the JobRun stopped, as every Run would fail the same "
            "way. Fix the project, then trigger it again",
            run.attempt_id,
            failure,
        )
        if not job_run.spilled:  # (spilled Runs keep it from completing meanwhile)
            job_run.status = "FAILURE"  # first, so that ending this Run does not complete it
        self.end_run(job_run, run, "FAILED", now)
        self.stop(job_run, "FAILURE", now, "the JobRun failed: the project cannot run it")
        return True

    def _infrastructure_streak(
        self, job_run: JobRun, run: Run, failure: dict[str, Any], now: int
    ) -> bool:
        """``INFRASTRUCTURE_FAILURES_IN_A_ROW`` attempts failing with an infrastructure error,
        none succeeding between them, end the JobRun FAILURE (True): the workers cannot run
        anything (no browser, no memory), and failing every Run of it would hide that."""
        if failure.get("category") != "infrastructure":
            job_run.infrastructure_streak = 0
            return False
        job_run.infrastructure_streak += 1
        if job_run.infrastructure_streak < INFRASTRUCTURE_FAILURES_IN_A_ROW:
            return False
        job_run.error = job_run_error(
            "infrastructure-failures",
            f"{INFRASTRUCTURE_FAILURES_IN_A_ROW} attempts in a row failed with an infrastructure "
            f"error (the last: {failure.get('message')}); the JobRun stopped rather than fail "
            "every Run. Check the workers (browser, memory, Pods), then trigger it again",
            run.attempt_id,
            failure,
        )
        self.stop(job_run, "FAILURE", now, "the JobRun failed: its attempts could not run")
        return True

    def end_run(self, job_run: JobRun, run: Run, status: RunStatus, now: int) -> None:
        self.release(job_run, run)
        run.status = status
        run.ended_at = now
        if status == "SUCCEEDED":
            run.error = None
            job_run.successful_runs += 1
        elif status == "FAILED":
            run.result = None
            job_run.failed_runs += 1
        self._book.run_changed(run)
        job_run.results_seq += 1
        run.result_seq = job_run.results_seq
        job_run.updated_at = now
        self._book.job_run_changed(job_run)
        record = result_record(self._book.identity, LineOwner.of(job_run), run)
        self._book.changes.results.append(record)
        delivery = sink_delivery(job_run, run, record, now)
        if delivery is not None:
            self._book.changes.deliveries.append(delivery)
        if job_run.status == "PENDING" and not job_run.running and not job_run.pending_count:
            self.finish(job_run, "COMPLETED", now)

    def stop(self, job_run: JobRun, status: JobRunStatus, now: int, message: str) -> None:
        """End the JobRun with ``status``; every unfinished Run ends TERMINATED with a reason.
        With Runs spilled, once they are loaded (``hold_loaded``; no attempt starts meanwhile)."""
        if job_run.spilled:
            job_run.stopping = (status, message)
            return
        job_run.stopping = None
        job_run.status = status  # first, so that no Run ending below completes the JobRun
        unfinished = [*sorted(job_run.running), *job_run.pending]
        job_run.pending = deque()
        for run_id in job_run.running:
            self._book.effects.cancels.append(job_run.runs[run_id].attempt_id)
            self.record_attempt(job_run.runs[run_id], "cancelled", now)
        for run_id in unfinished:
            run = job_run.runs[run_id]
            run.reason = run_reason("job-run-terminated", message)
            run.result = None
            self.end_run(job_run, run, "TERMINATED", now)
        self.finish(job_run, status, now)

    def terminate_runs(self, job_run: JobRun, runs: list[Run], now: int) -> None:
        """These unfinished Runs end TERMINATED (reason ``cancelled-user-action``: a person's
        bulk action), their attempts cancelled (a late outcome is ignored, as after a JobRun's
        terminate); the JobRun goes on with the others and, with none left, completes."""
        chosen = {run.id for run in runs}
        job_run.pending = deque(i for i in job_run.pending if i not in chosen)
        for run in runs:
            if run.id in job_run.running:
                self._book.effects.cancels.append(run.attempt_id)
                self.record_attempt(run, "cancelled", now)
            run.reason = run_reason("cancelled-user-action", "terminated on request")
            run.result = None
            self.end_run(job_run, run, "TERMINATED", now)
        if job_run.active and not job_run.running and not job_run.pending_count:
            self.finish(job_run, "COMPLETED", now)  # a paused one too: nothing is left to resume

    def terminate(self, job_run: JobRun, now: int, kind: ReasonType, message: str) -> None:
        job_run.reason = reason(kind, message)
        self.stop(job_run, "TERMINATED", now, message)

    def terminate_active(self, job_id: str, now: int, kind: ReasonType, message: str) -> None:
        job_run = self._book.active(job_id)
        if job_run is not None:
            self.terminate(job_run, now, kind, message)

    def finish(self, job_run: JobRun, status: JobRunStatus, now: int) -> None:
        job_run.end_time = now
        self.set_status(job_run, status, now, notice=False)
        self._book.active_by_job.pop(job_run.job_id, None)
        for attempt_id in job_run.canceling:
            self._book.attempts.pop(attempt_id, None)
        job_run.canceling.clear()
        self._book.notice(job_run, f"ended {status}: {job_run.summary}")
        self._pause_on_failure(job_run)
        self._book.prune(job_run.job_id)
        if ids.direct_kind(job_run.job_id) is not None:  # its one-off Job ends with it
            self._book.forget_job(job_run.job_id)

    def _pause_on_failure(self, job_run: JobRun) -> None:
        """Nothing to cancel: the Job has no active JobRun left."""
        job = self._book.jobs.get(job_run.job_id)
        note = failure_pause_note(job_run)
        if note is not None and job is not None and not job.paused:
            job.paused, job.pause_note = True, note
            self._book.job_changed(job)
            self._book.notice(job_run, "its Job is paused (pauseOnFailure)")

    def expire(self, now: int) -> None:
        """Attempts past their deadline time out (a restored one, never heard of again, runs
        again without using an attempt); cancelled attempts past their grace are settled."""
        for job_run in self._book.active_job_runs():
            for run_id in list(job_run.running):
                run = job_run.runs[run_id]
                if run.deadline is not None and run.deadline <= now and run.restored:
                    self.requeue(job_run, run, now)
                elif run.deadline is not None and run.deadline <= now:
                    self._book.effects.cancels.append(run.attempt_id)
                    seconds = timeout_ms(job_run, run) // 1000
                    failure = error(
                        "script-timeout",
                        "execution",
                        f"the attempt did not finish within requestTimeout ({seconds}s)",
                    )
                    self.record_attempt(run, "timed-out", now, failure)
                    self.attempt_failed(job_run, run, failure, now)
            for attempt_id, give_up in list(job_run.canceling.items()):
                if give_up <= now:
                    self.settle_cancel(AttemptExited(attempt_id), now)

    def settle_cancel(self, event: AttemptEvent, now: int) -> None:
        """An event from an attempt a pause cancelled: once it exits, the slot is settled."""
        if not isinstance(event, AttemptExited | AttemptResult | AttemptFailed):
            return
        for job_run_id in self._book.active_by_job.values():
            job_run = self._book.job_runs[job_run_id]
            if job_run.canceling.pop(event.attempt_id, None) is not None:
                if job_run.status == "PAUSING" and not job_run.canceling:
                    self.set_status(job_run, "PAUSED", now)
                return
