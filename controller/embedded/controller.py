"""The embedded controller: drives the engine from files, a clock, a launcher and SQLite.

One asyncio loop owns everything. Each pass gathers whatever arrived (launcher events, file
changes, commands), feeds it to the engine with one ``now``, saves the engine's changes in one
transaction, writes results lines, and only then starts or cancels attempts. Between passes the
loop sleeps until the next event or the engine's next wake-up time, so an idle controller uses
no CPU.

Crash safety comes from that order: whatever the process was doing when killed, the store holds
a whole pass, results files are reconciled against it on start-up, and the engine re-runs the
attempts that were in flight. Deliveries (sinks, notifications, results storage) are queued in
the same pass and sent by the ``Deliverer``, a task beside the loop, at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable, Collection
from typing import Any, TextIO

import watchfiles

from ..auth import AuthSessions
from ..delivery import (
    Deliverer,
    ResultsLink,
    S3Clients,
)
from ..engine import (
    AttemptEvent,
    AuthCapableLauncher,
    Effects,
    Engine,
    EngineError,
    JobRun,
    Launcher,
    NotFoundError,
)
from ..spec import AuthSessionDefinition, EnvReference, JobDefinition, Redactor, secret_values
from ..store import SqliteStore
from ..vocabulary import reason
from .api_jobs import JobConflictError, parse_api_job
from .progress import ProgressLines
from .resources import ResourceSet
from .results_files import ResultsFiles
from .settings import Observer, Reload, Settings, SinkRefused, Wake, wall_clock_ms

_InboxItem = AttemptEvent | Reload | SinkRefused | Wake | None


class EmbeddedController:
    def __init__(
        self,
        settings: Settings,
        launcher: Launcher,
        *,
        clock: Callable[[], int] = wall_clock_ms,
        out: TextIO = sys.stdout,
    ) -> None:
        self.settings = settings
        self.launcher = launcher
        self.clock = clock
        self.out = out
        self.store = SqliteStore(settings.state / "state.db")
        self.results = ResultsFiles(settings.state / "results", self.store)
        self.resources = ResourceSet(settings.resources)
        self.engine = Engine(
            identity=settings.identity,
            max_workers=min(settings.max_workers, launcher.capacity),
            history_limit=settings.history_limit,
        )
        self._inbox: asyncio.Queue[_InboxItem] = asyncio.Queue()
        self._progress = ProgressLines()
        self._todo = Effects()
        self._stopping = False
        self.running = False
        """The pass loop is running (``run`` has started and not returned)."""
        self.observers: list[Observer] = []
        self.redactor = Redactor()
        self._api_jobs: dict[str, JobDefinition] = {}
        """Jobs created through the REST API (persisted in the store's ``api_jobs``)."""
        self._definitions: dict[str, JobDefinition] = {}
        """Every definition loaded in this process, deleted Jobs' too: their last deliveries
        (the TERMINATED notification, results still queued) need their targets."""
        clients = S3Clients()
        self.results_storage = settings.results_storage(self.results.root, clients)
        self.deliverer = Deliverer(
            self.store.deliveries,
            settings.delivery,
            definitions=self._definitions.get,
            results_path=self.results.path,
            results_storage=self.results_storage,
            redactor=self.redactor,
            say=self.say,
            on_sink_refused=self._sink_refused,
            clock=clock,
            s3_clients=clients,
        )
        self.auth = AuthSessions(
            self.store.auth_states,
            self.resources.auth_sessions.get,
            say=self.say,
            lock_timeout_s=settings.auth_lock_timeout_s,
            clock=clock,
        )
        if isinstance(launcher, AuthCapableLauncher):
            launcher.use_auth(self.auth)

    # ------------------------------------------------------------------ set-up
    def start(self) -> None:
        """Reload state, repair results files, load job files, and make the first pass."""
        now = self.clock()
        self.results.reconcile()
        self.store.deliveries.release_all(now)  # a restart retries what was held
        stored = self.store.load()
        self.engine.restore(
            [(j.job_id, j.first_seen, j.last_tick, j.paused) for j in stored.jobs],
            stored.job_runs,
        )
        if self.settings.definitions_from_files:
            self._apply_reload(now)
            for job_id, document in self.store.api_jobs.all().items():
                if job_id not in self.resources.jobs:
                    self._api_jobs[job_id] = parse_api_job(job_id, document)
                    self._adopt(job_id, self._api_jobs[job_id], now)
            self.engine.forget_unknown_jobs(now)
        active = [j for j in self.engine.job_runs.values() if j.active]
        self.say(f"state {self.settings.state}: {len(active)} active JobRun(s) resumed")
        self._pass(now)

    # ---------------------------------------------------------------- commands
    # Commands change the engine at once and save the pass; the loop performs the effects
    # (starting or cancelling attempts) when it wakes up, which ``_command_done`` makes it do.
    def trigger(self, job_id: str, *, job_run_id: str | None = None) -> JobRun:
        now = self.clock()
        job_run = self.engine.trigger(job_id, now, job_run_id=job_run_id)
        self._command_done(now)
        return job_run

    def apply_definition(self, job_id: str, definition: JobDefinition) -> None:
        """A Job defined outside the files (a Job resource) was created or changed."""
        now = self.clock()
        self._adopt(job_id, definition, now)
        self._command_done(now)

    def remove_definition(self, job_id: str) -> None:
        """That Job is gone: its active JobRun is terminated."""
        if job_id in self.engine.jobs:
            now = self.clock()
            self.engine.delete_job(job_id, now)
            self._command_done(now)

    def apply_auth_session(self, session_id: str, definition: AuthSessionDefinition) -> None:
        """An AuthSession defined outside the files (a resource) was created or changed; the
        next recreation uses it (the stored state stays valid until a check says otherwise)."""
        self._protect(definition)
        self.resources.auth_sessions[session_id] = definition

    def remove_auth_session(self, session_id: str) -> None:
        self.resources.auth_sessions.pop(session_id, None)

    def _protect(self, session: AuthSessionDefinition) -> None:
        credentials = session.credentials.values()
        env = [os.environ.get(v.env, "") for v in credentials if isinstance(v, EnvReference)]
        self.redactor.add([*secret_values(session), *env])

    def initial_sync_done(self) -> None:
        """Every existing Job has been applied: Jobs known to the store but not given are gone."""
        now = self.clock()
        self.engine.forget_unknown_jobs(now)
        self._command_done(now)

    def pause(self, job_id: str) -> None:
        now = self.clock()
        self.engine.pause_job(job_id, now)
        self._command_done(now)

    def resume(self, job_id: str) -> None:
        """Resume the Job and its paused JobRun, and retry its held deliveries."""
        now = self.clock()
        self.engine.resume_job(job_id, now)
        self.deliverer.release(job_id)
        self._command_done(now)

    def terminate(self, job_run_id: str) -> JobRun:
        now = self.clock()
        job_run = self.engine.terminate(job_run_id, now)
        self._command_done(now)
        return job_run

    def job_source(self, job_id: str) -> str | None:
        """``code`` (a file), ``api`` (created through the REST API) or None (no such Job)."""
        if job_id in self.resources.jobs:
            return "code"
        return "api" if job_id in self._api_jobs else None

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition:
        """Create (``create``) or replace a Job through the API. Raises ``InvalidDefinitionError``,
        ``JobConflictError`` (defined by code, or exists already) or ``NotFoundError``."""
        source = self.job_source(job_id)
        if source == "code":
            raise JobConflictError(
                f"job {job_id!r} is defined by code ({job_id}.job.jsonc); change its file instead"
            )
        if create and source == "api":
            raise JobConflictError(f"job {job_id!r} exists already; update it instead")
        if not create and source is None:
            raise NotFoundError(f"no job {job_id!r}")
        definition = parse_api_job(job_id, document)
        now = self.clock()
        self.store.api_jobs.put(job_id, document)
        self._api_jobs[job_id] = definition
        self._adopt(job_id, definition, now)
        self._command_done(now)
        return definition

    def delete_api_job(self, job_id: str) -> None:
        source = self.job_source(job_id)
        if source == "code":
            raise JobConflictError(
                f"job {job_id!r} is defined by code; remove its file to delete it"
            )
        if source is None:
            raise NotFoundError(f"no job {job_id!r}")
        now = self.clock()
        self.store.api_jobs.delete(job_id)
        del self._api_jobs[job_id]
        self.engine.delete_job(job_id, now)
        self._command_done(now)

    def _command_done(self, now: int) -> None:
        self._pass(now)
        self._inbox.put_nowait(Wake())

    def results_link(self, job_run_id: str) -> ResultsLink | None:
        """Where the JobRun's results file is kept, once it has been stored."""
        stored = self.store.deliveries.results_object(job_run_id)
        return None if stored is None else self.results_storage.link(stored, self.clock())

    # -------------------------------------------------------------------- loop
    async def run(
        self, *, until_idle: bool = False, job_run_ids: Collection[str] | None = None
    ) -> None:
        """Until ``stop()``, or with ``until_idle`` until ``idle(job_run_ids)``."""
        tasks = [
            asyncio.create_task(self._forward_events()),
            asyncio.create_task(self.deliverer.run()),
        ]
        if (
            self.settings.watch
            and self.settings.definitions_from_files
            and self.settings.resources.exists()
        ):
            tasks.append(asyncio.create_task(self._watch()))
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
            await self.launcher.close()

    def close(self) -> None:
        """Release the store; after ``run`` has returned (its state stays readable until then)."""
        self.store.close()

    def stop(self) -> None:
        self._stopping = True
        self._inbox.put_nowait(None)

    def idle(self, job_run_ids: Collection[str] | None = None) -> bool:
        """No active JobRun and nothing left to deliver (held deliveries wait for a person); with
        ``job_run_ids``, of those JobRuns only (another Job's schedule firing meanwhile, or its
        deliveries retrying against a target that is down, do not keep a caller waiting)."""
        runs = self.engine.job_runs
        watched = (
            runs.values() if job_run_ids is None else [runs[i] for i in job_run_ids if i in runs]
        )
        return not any(j.active for j in watched) and self.deliverer.idle(job_run_ids)

    async def _wait(self, max_sleep_s: float | None = None) -> None:
        wakeup = self.engine.next_wakeup()
        timeout = None if wakeup is None else max(0, wakeup - self.clock()) / 1000
        if max_sleep_s is not None:
            timeout = max_sleep_s if timeout is None else min(timeout, max_sleep_s)
        items: list[_InboxItem] = []
        with contextlib.suppress(TimeoutError):
            items.append(await asyncio.wait_for(self._inbox.get(), timeout))
        while not self._inbox.empty():
            items.append(self._inbox.get_nowait())
        now = self.clock()
        for item in items:
            if isinstance(item, Reload):
                self._apply_reload(now)
            elif isinstance(item, SinkRefused):
                self._pause_for_sink(item, now)
            elif item is not None and not isinstance(item, Wake):
                self.engine.handle(item, now)
                for observer in self.observers:
                    observer.observe_event(item, now)
        self._pass(now)
        await self._perform()

    def _pass(self, now: int) -> None:
        """Advance the engine and make its changes durable; queue the effects to perform."""
        self.engine.advance(now)
        output = self.engine.take_output()
        self.store.save(output.changes)
        for observer in self.observers:
            observer.observe_changes(output.changes)
        self.results.append(output.changes.results)
        for job_run in output.changes.job_runs:
            if not job_run.active:
                self.results.sync(job_run.job_id, job_run.id)
        for job_run in output.changes.pruned_job_runs:
            self.results.remove(job_run.job_id, job_run.id)
        for notice in output.effects.notices:
            self.say(notice)
        if output.changes.deliveries:
            self.deliverer.poke()
        for line in self._progress.lines(now, output.changes.job_runs):
            self.say(line)
        self._todo.cancels += output.effects.cancels
        self._todo.starts += output.effects.starts

    async def _perform(self) -> None:
        """Start and cancel attempts, strictly after the pass that decided it was saved."""
        todo, self._todo = self._todo, Effects()
        for attempt_id in todo.cancels:
            await self.launcher.cancel(attempt_id)
        for request in todo.starts:
            await self.launcher.start(request)

    async def _forward_events(self) -> None:
        async for event in self.launcher.events():
            self._inbox.put_nowait(event)

    async def _watch(self) -> None:
        async for _changes in watchfiles.awatch(
            self.settings.resources, debounce=300, step=100, recursive=True
        ):
            self._inbox.put_nowait(Reload())

    def _adopt(self, job_id: str, definition: JobDefinition, now: int) -> None:
        self.redactor.add(secret_values(definition))
        self._definitions[job_id] = definition
        self.engine.put_job(job_id, definition, now)
        self.deliverer.release(job_id)

    def _sink_refused(self, job_id: str, job_run_id: str, why: str) -> None:
        self._inbox.put_nowait(SinkRefused(job_id, job_run_id, why))

    def _pause_for_sink(self, refused: SinkRefused, now: int) -> None:
        job_run = self.engine.job_runs.get(refused.job_run_id)
        if job_run is None or not job_run.active:
            return  # it ended meanwhile: its results wait, held, for the Job's next resume
        with contextlib.suppress(EngineError):
            self.engine.pause_job(refused.job_id, now, why=reason("s3-sink-error", refused.why))

    def _apply_reload(self, now: int) -> None:
        reload = self.resources.reload()
        for problem in reload.problems:
            self.say(f"invalid: {problem}")
        for job_id in reload.kept:
            self.say(f"{job_id}: keeps running its last valid version until the file is fixed")
        for session_id in reload.auth_sessions_changed:
            self._protect(self.resources.auth_sessions[session_id])
            self.say(f"AuthSession {session_id}: loaded")
        for job_id, definition in reload.changed.items():
            if self._api_jobs.pop(job_id, None) is not None:
                self.store.api_jobs.delete(job_id)
                self.say(f"{job_id}: now defined by code, replacing the Job created by the API")
            self._adopt(job_id, definition, now)
            self.say(f"{job_id}: loaded")
        for job_id in reload.removed:
            if job_id in self.engine.jobs:
                self.engine.delete_job(job_id, now)
                self.say(f"{job_id}: removed")

    # ----------------------------------------------------------------- output
    def say(self, text: str) -> None:
        """One line for people: stamped with the injected clock, secrets redacted."""
        stamp = time.strftime("%H:%M:%S", time.localtime(self.clock() / 1000))
        print(f"{stamp} {self.redactor.redact(text)}", file=self.out, flush=True)
