"""The local launcher: a pool of warm worker processes on this machine.

Each worker keeps one Chromium open and runs up to ``attempts_per_worker`` attempts at once,
each in a context of its own (fresh, or shared with earlier attempts of its JobRun, per the Job's
isolation level), taking commands as JSON lines on stdin and reporting through an
HTTP callback server on 127.0.0.1. Sharing one browser between a few attempts is what makes a
small machine fast: on 2 cores, four Chromium instances do a third less work than one.

Every attempt gets a credential of its own, with its start command on the worker's stdin (never
in the worker's environment, which its user code can read): its events, AuthSession questions
and uploads are accepted only with it, and only while a live worker holds the attempt, so a
stale or foreign process, or another attempt's code, cannot report for it.

Cancelling an attempt cancels its task in the worker; if the attempt does not stop within
``CANCEL_GRACE_S`` (user code that never yields), the worker process is killed. A worker that
dies reports ``AttemptExited`` for every attempt it held, which the engine counts as an
infrastructure failure and retries. Dead workers are replaced on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import secrets
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .. import jsontext
from ..engine import (
    ArtifactStore,
    AttemptEvent,
    AttemptExited,
    AttemptFailed,
    AttemptRequest,
    AuthBroker,
    BrowserLauncher,
)
from ..projectenv import ProjectEnvironment, ProjectEnvironmentError
from ..vocabulary import (
    CONTROLLER_SECRET_VARIABLES,
    FINAL_WORKER_EVENTS,
    PROJECT_ENV_NAMES,
    error,
)
from .callback import ARTIFACTS_PATH, CallbackServer, Handler, LauncherArtifacts
from .credentials import Credentials

CANCEL_GRACE_S = 10.0


@dataclass
class _Worker:
    number: int
    process: asyncio.subprocess.Process
    attempts: dict[str, str] = field(default_factory=dict)
    """Attempt ID -> its JobRun's ID."""
    monitor: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class WorkerDefaults:
    """What the project says of every attempt: a proxy for Runs whose Job names none and a
    headed browser (its ``Intuned.json``), and environment variables for its code (``.env``;
    their values are masked in attempt logs)."""

    proxy: str | None = None
    headful: bool = False
    environment: Mapping[str, str] = dataclasses.field(default_factory=dict)


class Environments(Protocol):
    def ensure(self, project: Path) -> ProjectEnvironment: ...


class LocalLauncher:
    def __init__(
        self,
        *,
        project: Path,
        artifacts: Path,
        capacity: int,
        attempts_per_worker: int = 4,
        environments: Environments | None = None,
        defaults: WorkerDefaults = WorkerDefaults(),
    ) -> None:
        """``environments`` makes the project's own environment that workers run in (None:
        workers run on this interpreter)."""
        self.environments = environments
        self.defaults = defaults
        self._environment: asyncio.Task[ProjectEnvironment] | None = None
        self.capacity = capacity
        self.attempts_per_worker = attempts_per_worker
        self.project = project
        self.artifacts = artifacts
        self._queue: asyncio.Queue[AttemptEvent] = asyncio.Queue()
        self._workers: dict[int, _Worker] = {}
        self._by_attempt: dict[str, _Worker] = {}
        self._credentials = Credentials(secrets.token_bytes(32), "attempt")
        self._spawned = 0
        self._server: CallbackServer | None = None
        self._auth: AuthBroker | None = None
        self._artifacts = LauncherArtifacts()

    adopter = None
    """Its workers are this process's children: their attempts end with it."""

    @property
    def browsers(self) -> BrowserLauncher:
        return self

    def attach(self, auth: AuthBroker, artifacts: ArtifactStore) -> None:
        """``artifacts`` keeps its files where workers write them (``artifacts`` here), unless
        it hands out upload URLs."""
        self._auth, self._artifacts.store = auth, artifacts

    @property
    def callback_url(self) -> str:
        assert self._server is not None
        return self._server.url()

    async def start(self, request: AttemptRequest) -> None:
        self._ensure_server()
        worker = min(
            (w for w in self._workers.values() if len(w.attempts) < self.attempts_per_worker),
            key=lambda w: len(w.attempts),
            default=None,
        )
        if worker is None:
            try:
                worker = await self._spawn()
            except ProjectEnvironmentError as exc:
                failure = error("project-environment-failed", "user", str(exc))
                self._queue.put_nowait(AttemptFailed(request.attempt_id, failure))
                return
        if request.proxy is None and self.defaults.proxy is not None:
            request = dataclasses.replace(request, proxy=self.defaults.proxy)
        worker.attempts[request.attempt_id] = request.job_run_id
        self._by_attempt[request.attempt_id] = worker
        credential = self._credentials.mint(request.attempt_id)
        command = {**self._artifacts.command(request, callback=None), "token": credential}
        await self._send(worker, {"op": "start", "request": command})

    async def cancel(self, attempt_id: str) -> None:
        worker = self._by_attempt.get(attempt_id)
        if worker is None or worker.process.returncode is not None:
            return
        await self._send(worker, {"op": "cancel", "attempt_id": attempt_id})
        asyncio.get_running_loop().call_later(CANCEL_GRACE_S, self._enforce_cancel, attempt_id)

    def _enforce_cancel(self, attempt_id: str) -> None:
        worker = self._by_attempt.get(attempt_id)
        if worker is not None and worker.process.returncode is None:
            worker.process.kill()  # the attempt ignored its cancellation

    async def _send(self, worker: _Worker, message: dict[str, Any]) -> None:
        assert worker.process.stdin is not None
        worker.process.stdin.write((jsontext.dumps(message) + "\n").encode())
        with contextlib.suppress(ConnectionError):
            await worker.process.stdin.drain()

    async def events(self) -> AsyncIterator[AttemptEvent]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        for worker in list(self._workers.values()):
            if worker.process.returncode is None:
                worker.process.kill()
            with contextlib.suppress(Exception):
                await worker.process.wait()
            if worker.monitor:
                worker.monitor.cancel()
        if self._server is not None:
            self._server.close()

    # ---------------------------------------------------------------- workers
    async def _python(self) -> str:
        """The interpreter of the project's environment, made once (again after a failure,
        so that a fixed project runs without a restart)."""
        if self.environments is None:
            return sys.executable
        if self._environment is None:
            self._environment = asyncio.create_task(
                asyncio.to_thread(self.environments.ensure, self.project)
            )
        try:
            return str((await asyncio.shield(self._environment)).python)
        except ProjectEnvironmentError:
            self._environment = None
            raise

    async def _spawn(self) -> _Worker:
        python = await self._python()
        self._spawned += 1
        logs = self.artifacts / "workers"
        logs.mkdir(parents=True, exist_ok=True)
        inherited = {k: v for k, v in os.environ.items() if k not in CONTROLLER_SECRET_VARIABLES}
        env = {
            **inherited,
            **self.defaults.environment,
            PROJECT_ENV_NAMES: ",".join(self.defaults.environment),
            "JOBCTL_CALLBACK": self.callback_url,
            "JOBCTL_PROJECT": str(self.project.resolve()),
            "JOBCTL_ARTIFACTS": str(self.artifacts.resolve()),
            "JOBCTL_ATTEMPTS_PER_WORKER": str(self.attempts_per_worker),
            **({"JOBCTL_HEADFUL": "1"} if self.defaults.headful else {}),
        }
        with (logs / f"worker-{self._spawned}.log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                python,
                "-m",
                "controller.worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=log,
                stderr=log,
                env=env,
            )
        worker = _Worker(self._spawned, process)
        self._workers[worker.number] = worker
        worker.monitor = asyncio.create_task(self._watch(worker))
        return worker

    async def _watch(self, worker: _Worker) -> None:
        code = await worker.process.wait()
        self._workers.pop(worker.number, None)
        for attempt_id in sorted(worker.attempts):
            self._by_attempt.pop(attempt_id, None)
            self._ended(attempt_id)
            self._queue.put_nowait(AttemptExited(attempt_id, code))
        worker.attempts.clear()

    def _ended(self, attempt_id: str) -> None:
        self._artifacts.attempt_ended(attempt_id)
        if self._server is not None:
            self._server.forget(attempt_id)
        if self._auth is not None:
            self._auth.attempt_ended(attempt_id)

    def _in_flight(self, token: str) -> bool:
        """A credential of an attempt a live worker holds (checked before a body is read)."""
        return self._credentials.subject(token) in self._by_attempt

    def _holder(self, token: str, attempt_id: Any) -> _Worker | None:
        """The live worker that holds the attempt ``token`` stands for, if it is
        ``attempt_id``."""
        if self._credentials.subject(token) != attempt_id:
            return None
        return self._by_attempt.get(attempt_id)

    def _on_event(self, token: str, payload: dict[str, Any]) -> bool:
        attempt_id = payload.get("attempt_id")
        worker = self._holder(token, attempt_id)
        if worker is None:
            return False
        assert isinstance(attempt_id, str)
        if payload.get("type") == "log":
            self._artifacts.live_log(attempt_id, payload)
            return True
        link = self._artifacts.link(worker.attempts[attempt_id], attempt_id)
        assert self._server is not None  # an event came through it
        event = self._server.event(attempt_id, payload, link)
        if event is None:
            return False
        if payload.get("type") in FINAL_WORKER_EVENTS:
            del worker.attempts[attempt_id]
            self._by_attempt.pop(attempt_id, None)
            self._ended(attempt_id)
        self._queue.put_nowait(event)
        return True

    # --------------------------------------------------------------- callback
    def _ensure_server(self) -> None:
        if self._server is None:
            routes: dict[str, Handler] = {
                "/events": self._accept,
                "/auth": self._answer,
                ARTIFACTS_PATH: self._owns,
            }
            loop = asyncio.get_running_loop()
            self._server = CallbackServer(
                loop, routes, receive=self._artifacts.receive, known=self._in_flight
            )

    async def _owns(self, token: str, body: dict[str, Any]) -> bool:
        attempt_id = str(body.get("attempt_id"))
        worker = self._holder(token, attempt_id)
        return worker is not None and worker.attempts.get(attempt_id) == body.get("job_run_id")

    async def _accept(self, token: str, payload: dict[str, Any]) -> bool:
        return self._on_event(token, payload)

    async def _answer(self, token: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """A question of the attempt ``token`` stands for (None: not its own)."""
        attempt_id = payload.get("attempt_id")
        if self._holder(token, attempt_id) is None or self._auth is None:
            return None
        assert isinstance(attempt_id, str)
        return await self._auth.handle(attempt_id, payload)
