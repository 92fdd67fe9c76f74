"""The runtime driver: the pass loop both runtimes share, given its ports.

One asyncio loop owns everything. Each pass gathers whatever arrived (launcher events, changes
of definitions, commands, deliveries that finished), feeds it to the engine with one ``now``,
saves the engine's changes in one transaction, writes results lines, tells the observers, and
only then starts or cancels attempts. Between passes the loop sleeps until the next message or
the engine's next wake-up time, so an idle runtime uses no CPU.

Crash safety comes from that order: whatever the process was doing when killed, the store holds
a whole pass, results files are reconciled against it on start-up, and the engine re-runs the
attempts that were in flight. Deliveries (sinks, notifications, results storage) are queued in
the same pass and sent by the ``Deliverer``, a task beside the loop, at least once.

The embedded controller gives it job files and local workers; the operator gives it Job
resources and Pods, and observes its passes to write statuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

from ..delivery import AttemptArtifacts, Deliverer, PublicUrl
from ..engine import (
    AttemptEvent,
    BackfillTick,
    Effects,
    Engine,
    EngineError,
    JobRun,
    Launcher,
    NotFoundError,
    direct_kind,
    loading_limit,
)
from ..spec import JobDefinition, Redactor
from ..store import RunFilter, Store
from ..vocabulary import DirectKind, reason
from .documents import parse_job_document
from .inbox import DefinitionsChanged, Inbox, ResultsStored, SinkRefused, Wake
from .known_definitions import KnownDefinitions
from .lines import Lines
from .pass_target import PassTarget
from .ports import Change, DefinitionSource, Observer
from .progress import ProgressLines
from .query import RuntimeQuery
from .reruns import RunChoice, rerun_of, unfinished_matching
from .results_files import ResultsFiles
from .settings import RuntimeSettings


class Runtime:
    def __init__(
        self,
        settings: RuntimeSettings,
        *,
        engine: Engine,
        store: Store,
        launcher: Launcher,
        definitions: DefinitionSource,
        deliverer: Deliverer,
        known: KnownDefinitions,
        results: ResultsFiles,
        artifacts: AttemptArtifacts,
        query: RuntimeQuery,
        public_url: PublicUrl,
        redactor: Redactor,
        lines: Lines,
        inbox: Inbox,
        clock: Callable[[], int],
    ) -> None:
        """Its parts come from ``assembly.assemble``: the runtime builds none of them."""
        self._settings = settings
        self._engine = engine
        self._store = store
        self._launcher = launcher
        self._definitions = definitions
        self._deliverer = deliverer
        self._known = known
        self._results = results
        self._artifacts = artifacts
        self._public_url = public_url
        self._lines = lines
        self._inbox = inbox
        self._observers: list[Observer] = []
        self._progress = ProgressLines()
        self._todo = Effects()
        self._stopping = False
        self.query = query
        """What the API server, the operator's projection and the metrics read."""
        self.redactor = redactor
        """Every definition's secrets, as read: what people see goes through it."""
        self.clock = clock
        self.running = False
        """The pass loop is running (``run`` has started and not returned)."""

    # ------------------------------------------------- for the API server and the operator
    def add_observer(self, observer: Observer) -> None:
        """Told of every attempt event and every saved pass, after those added before it."""
        self._observers.append(observer)

    def serve_at(self, base_url: str) -> None:
        """The API listens at ``base_url``: links to results files and artifacts are made under
        it from now on."""
        self._public_url.base = base_url.rstrip("/")

    def delivery_counts(self) -> Counter[tuple[str, str]]:
        """(kind, outcome) -> delivery attempts so far."""
        return self._deliverer.counts

    def broken_definitions(self) -> int:
        """Definitions that cannot be used now (each keeps its last valid version)."""
        return self._definitions.broken()

    def saved_auth_state(self, session_id: str) -> dict[str, Any] | None:
        """The AuthSession's stored browser state (None: it has none yet)."""
        return self._store.auth_states.get(session_id)[1]

    # ------------------------------------------------------------------ set-up
    def start(self) -> None:
        """Reload state, repair results files, load definitions, and make the first pass."""
        now = self.clock()
        self._results.reconcile()
        self._store.deliveries.release_all(now)  # a restart retries what was held
        stored = self._store.load()
        self._artifacts.sweep({job_run.id for job_run in stored.job_runs})
        self._engine.restore(stored.jobs, stored.job_runs, now)
        self._definitions.load(self._pass_target(now))
        self._resume_direct(now)
        self._engine.forget_unknown_jobs(now)
        self._take_back_restored(now)
        active = [j for j in self._engine.job_runs.values() if j.active]
        self.say(f"state {self._settings.state}: {len(active)} active JobRun(s) resumed")
        self._pass(now)

    def _take_back_restored(self, now: int) -> None:
        """Attempts in flight at the last stop whose workers may have outlived it (Pods) are
        expected back; the others run again at once."""
        requests = self._engine.restored_requests()
        adopter = self._launcher.adopter
        expected = adopter.expect(requests) if adopter is not None else set()
        self._engine.requeue_restored(expected, now)

    # ---------------------------------------------------------------- commands
    # Commands change the engine at once and save the pass; the loop performs the effects
    # (starting or cancelling attempts) when it wakes up, which ``_command_done`` makes it do.
    def trigger(self, job_id: str, *, job_run_id: str | None = None) -> JobRun:
        """Raises ``NotFoundError`` or ``EngineError`` (a paused Job) for a trigger of a person
        that names no JobRun; a named one (a JobRun resource) is recorded CANCELED instead."""
        now = self.clock()
        job_run = self._engine.trigger(job_id, now, job_run_id=job_run_id)
        self._command_done(now)
        return job_run

    def pause(self, job_id: str, note: str | None = None) -> None:
        now = self.clock()
        self._engine.pause_job(job_id, now, note=note)
        self._command_done(now)

    def rerun(
        self, job_run_id: str, runs: RunChoice, *, new_job_run_id: str | None = None
    ) -> JobRun:
        """A MANUAL JobRun of the origin's Job with the chosen Runs' items (``"failed"``: every
        Run that ended FAILED; else these Run IDs, in their order in the origin). Raises
        ``NotFoundError`` (no such JobRun, or a Run not in it) or ``EngineError`` (nothing to
        rerun; a direct JobRun). Like a trigger, it is CANCELED while another JobRun of the
        Job is active, and ``new_job_run_id`` names it (a JobRun resource)."""
        origin = self.query.job_run(job_run_id)
        if origin is None:
            raise NotFoundError(f"no JobRun {job_run_id!r}")
        if direct_kind(origin.job_id) is not None:
            raise EngineError(f"JobRun {job_run_id} is a direct Run: start another instead")
        rerun = rerun_of(job_run_id, runs, self._store.run_queries)
        now = self.clock()
        job_run = self._engine.trigger(origin.job_id, now, job_run_id=new_job_run_id, rerun=rerun)
        self._command_done(now)
        return job_run

    def refuse(self, job_id: str, job_run_id: str, message: str) -> JobRun:
        """A JobRun a person asked for (a resource) that cannot run: recorded CANCELED."""
        now = self.clock()
        job_run = self._engine.refuse(job_id, job_run_id, now, reason("user-request", message))
        self._command_done(now)
        return job_run

    def backfill(self, job_id: str, start: int, end: int, *, dry_run: bool) -> list[BackfillTick]:
        """Queue the Job's ticks in ``[start, end)`` (see ``Engine.backfill``)."""
        now = self.clock()
        plan = self._engine.backfill(job_id, start, end, dry_run=dry_run)
        if not dry_run:
            self._command_done(now)
        return plan

    def resume(self, job_id: str) -> None:
        """Resume the Job and its paused JobRun, and retry its held deliveries."""
        now = self.clock()
        self._engine.resume_job(job_id, now)
        self._deliverer.release(job_id)
        self._command_done(now)

    def terminate(self, job_run_id: str) -> JobRun:
        """Its spilled Runs are loaded first, so that it has ended when this returns."""
        now = self.clock()
        self._load_spilled([job_run_id], now, everything=True)
        job_run = self._engine.terminate(job_run_id, now)
        self._command_done(now)
        return job_run

    def terminate_runs(self, job_run_id: str, where: RunFilter, *, dry_run: bool) -> int:
        """End the JobRun's unfinished Runs that match ``where`` TERMINATED; the JobRun goes on
        with the others. How many (``dry_run``: would, nothing ended). The matching Runs are
        read from the store (the filter's own query); spilled ones are loaded first, so every
        one of them has ended when this returns."""
        job_run = self.query.job_run(job_run_id)
        if job_run is None:
            raise NotFoundError(f"no JobRun {job_run_id!r}")
        if not job_run.active:
            raise EngineError(f"JobRun {job_run_id} has ended {job_run.status}: no Run is left")
        run_ids = unfinished_matching(job_run_id, where, self._store.run_queries)
        if dry_run:
            return len(run_ids)
        now = self.clock()
        self._load_spilled([job_run_id], now, everything=True)
        ended = self._engine.terminate_runs(job_run_id, run_ids, now)
        self._command_done(now)
        return ended

    def start_direct(self, kind: DirectKind, document: dict[str, Any]) -> JobRun:
        """A one-off JobRun (a direct Run, an AuthSession operation) of a Job ``document``;
        raises ``InvalidDefinitionError``. The document is kept until the JobRun ends (deleted
        in the pass that ends it), so a restart resumes the JobRun; one kept by a crash before
        its JobRun was saved is dropped on start-up."""
        definition = parse_job_document(kind, document)
        now = self.clock()
        job_run = self._engine.start_direct(kind, definition, now)
        self._store.direct_jobs.put(job_run.job_id, document)
        self._known.put_job(job_run.job_id, definition)
        self._command_done(now)
        return job_run

    def reset_auth_session(self, session_id: str) -> None:
        """New credentials: the stored state is dropped, so the next attempt recreates it."""
        self._store.auth_states.reset(session_id, self.clock())

    def signed_in(self, session_id: str, storage_state: dict[str, Any]) -> int:
        """A person signed in to a recorder AuthSession: the browser state becomes its next
        version (the version returned), which attempts use from now on, and which the broker
        never replaces by a recreation. The state itself is not said anywhere."""
        version, _state = self._store.auth_states.get(session_id)
        self._store.auth_states.put(session_id, version + 1, storage_state, self.clock())
        self.say(f"AuthSession {session_id}: signed in by a person (version {version + 1})")
        return version + 1

    def forget_auth_session(self, session_id: str) -> None:
        self._store.auth_states.forget(session_id)

    def change_definitions(self, change: Change) -> None:
        """Apply a change of definitions now, in a pass of its own."""
        now = self.clock()
        change(self._pass_target(now))
        self._command_done(now)

    def _command_done(self, now: int) -> None:
        self._pass(now)
        self._inbox.put(Wake())

    # -------------------------------------------------------------------- loop
    async def run(
        self, *, until_idle: bool = False, job_run_ids: Collection[str] | None = None
    ) -> None:
        """Until ``stop()``, or with ``until_idle`` until ``idle(job_run_ids)``."""
        tasks = [
            asyncio.create_task(self._forward_events()),
            asyncio.create_task(self._deliverer.run()),
            asyncio.create_task(
                self._definitions.follow(lambda c: self._inbox.put(DefinitionsChanged(c)))
            ),
        ]
        self.running = True
        try:
            await self._perform()
            while not self._stopping:
                if until_idle and self.idle(job_run_ids):
                    break
                # Deliveries end without an inbox message: look again soon when waiting for them.
                await self._wait(max_sleep_s=0.2 if until_idle else None)
        finally:
            self.running = False
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._launcher.close()

    def close(self) -> None:
        """Release the store; after ``run`` has returned (its state stays readable until then)."""
        self._results.close()
        self._store.close()

    def stop(self) -> None:
        self._stopping = True
        self._inbox.put(None)

    def idle(self, job_run_ids: Collection[str] | None = None) -> bool:
        """No active JobRun and nothing left to deliver (held deliveries wait for a person); with
        ``job_run_ids``, of those JobRuns only (another Job's schedule firing meanwhile, or its
        deliveries retrying against a target that is down, do not keep a caller waiting)."""
        if job_run_ids is None:
            watched = self.query.active_job_runs()
        else:
            watched = [r for r in map(self.query.job_run, job_run_ids) if r is not None]
        return not any(j.active for j in watched) and self._deliverer.idle(job_run_ids)

    async def _wait(self, max_sleep_s: float | None = None) -> None:
        wakeup = self._engine.next_wakeup()
        timeout = None if wakeup is None else max(0, wakeup - self.clock()) / 1000
        if max_sleep_s is not None:
            timeout = max_sleep_s if timeout is None else min(timeout, max_sleep_s)
        items = await self._inbox.wait(timeout)
        now = self.clock()
        for item in items:
            if isinstance(item, DefinitionsChanged):
                item.change(self._pass_target(now))
            elif isinstance(item, SinkRefused):
                self._pause_for_sink(item, now)
            elif isinstance(item, ResultsStored):
                self._engine.touch(item.job_run_id)
            elif item is not None and not isinstance(item, Wake):
                self._engine.handle(item, now)
                for observer in self._observers:
                    observer.observe_event(item, now)
        self._pass(now)
        await self._perform()

    def _pass(self, now: int) -> None:
        """Load the spilled Runs the last pass asked for (it is saved), advance the engine and
        make its changes durable; queue the effects to perform."""
        self._load_spilled(self._todo.loads, now)
        self._todo.loads = []
        self._engine.advance(now)
        output = self._engine.take_output()
        self._store.save(output.changes)
        self._results.append(output.changes.results)
        for job_run in output.changes.job_runs:
            if not job_run.active:
                self._results.sync(job_run.job_id, job_run.id)
                self._known.job_run_ended(job_run.job_id, job_run.id)
        self._known.release_delivered(self._store.deliveries.outstanding)
        for job_run in output.changes.pruned_job_runs:
            self._results.remove(job_run.job_id, job_run.id)
            # Off the loop (a bucket's objects are listed and deleted); one killed half-way
            # leaves files that the next start-up's sweep removes.
            threading.Thread(target=self._artifacts.remove, args=(job_run.id,), daemon=True).start()
        for observer in self._observers:
            observer.observe_changes(output.changes)
        for notice in output.effects.notices:
            self.say(notice)
        if output.changes.deliveries:
            self._deliverer.poke()
        for line in self._progress.lines(now, output.changes.job_runs):
            self.say(line)
        self._todo.cancels += output.effects.cancels
        self._todo.starts += output.effects.starts
        self._todo.loads += output.effects.loads

    async def _perform(self) -> None:
        """Start and cancel attempts, strictly after the pass that decided it was saved; with
        spilled Runs to load, make another pass at once (nothing else may wake the loop)."""
        todo, self._todo = self._todo, Effects(loads=self._todo.loads)
        if todo.loads:
            self._inbox.put(Wake())
        for attempt_id in todo.cancels:
            await self._launcher.cancel(attempt_id)
        for request in todo.starts:
            await self._launcher.start(request)

    async def _forward_events(self) -> None:
        event: AttemptEvent
        async for event in self._launcher.events():
            self._inbox.put(event)

    def _load_spilled(self, job_run_ids: list[str], now: int, *, everything: bool = False) -> None:
        """Hand the engine the next spilled Runs of these JobRuns (``everything``: all)."""
        for job_run_id in job_run_ids:
            job_run = self.query.job_run(job_run_id)
            if job_run is None or not job_run.active or not job_run.spilled:
                continue
            limit = job_run.spilled if everything else loading_limit(job_run)
            runs = self._store.pending_runs(job_run_id, job_run.held_through, limit)
            self._engine.hold_loaded(job_run_id, runs, now)

    def _pause_for_sink(self, refused: SinkRefused, now: int) -> None:
        job_run = self.query.job_run(refused.job_run_id)
        if job_run is None or not job_run.active:
            return  # it ended meanwhile: its results wait, held, for the Job's next resume
        with contextlib.suppress(EngineError):
            self._engine.pause_job(refused.job_id, now, why=reason("s3-sink-error", refused.why))

    def _resume_direct(self, now: int) -> None:
        for job_id, document in self._store.direct_jobs.all().items():
            kind = direct_kind(job_id)
            if kind is None or not any(r.active for r in self.query.job_runs(job_id)):
                self._store.direct_jobs.delete(job_id)
                continue
            definition = parse_job_document(kind, document)
            self._known.put_job(job_id, definition)
            self._engine.put_job(job_id, definition, now)

    def _pass_target(self, now: int) -> PassTarget:
        return PassTarget(
            engine=self._engine,
            query=self.query,
            known=self._known,
            deliverer=self._deliverer,
            say=self.say,
            now=now,
        )

    def definition(self, job_id: str) -> JobDefinition | None:
        """The definition this process knows a Job by (what its deliveries are sent with)."""
        return self._known.job(job_id)

    # ----------------------------------------------------------------- output
    def say(self, text: str) -> None:
        """One line for people: stamped with the injected clock, secrets redacted."""
        self._lines.say(text)
