"""The embedded controller: the runtime with job files, the REST API's Jobs and local workers.

Everything runs in one process on one asyncio loop (see ``runtime.driver``): definitions come
from the resources folder (watched) and from the API (kept in the store), attempts run in local
worker processes, state lives in ``state/state.db``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..delivery import ResultsLink
from ..engine import BackfillTick, JobRun, Launcher
from ..runtime import (
    Observer,
    RunChoice,
    Runtime,
    RuntimeQuery,
    RuntimeSettings,
    wall_clock_ms,
)
from ..spec import JobDefinition
from ..store import Store, open_store
from ..vocabulary import DirectKind, JobSourceKind
from .definitions import ProjectDefinitions


@dataclass(frozen=True, kw_only=True)
class Settings(RuntimeSettings):
    resources: Path
    """The resources folder (``intuned-resources``): job and AuthSession files."""
    watch: bool = True
    """Reload definitions when the folder changes."""


class EmbeddedController:
    def __init__(
        self,
        settings: Settings,
        launcher: Launcher,
        *,
        clock: Callable[[], int] = wall_clock_ms,
        out: TextIO = sys.stdout,
        store: Store | None = None,
    ) -> None:
        """``store``: one opened already (a replica that waited for the lead on it); by
        default the settings' store is opened."""
        store = open_store(settings.store_location) if store is None else store
        self.definitions = ProjectDefinitions(
            settings.resources, store.api_jobs, store.api_auth_sessions, watch=settings.watch
        )
        self.runtime = Runtime(
            settings,
            store=store,
            launcher=launcher,
            definitions=self.definitions,
            clock=clock,
            out=out,
        )
        self.query: RuntimeQuery = self.runtime.query
        self.observers: list[Observer] = self.runtime.observers

    # ------------------------------------------------------------ the runtime
    def start(self) -> None:
        self.runtime.start()

    async def run(
        self, *, until_idle: bool = False, job_run_ids: Collection[str] | None = None
    ) -> None:
        await self.runtime.run(until_idle=until_idle, job_run_ids=job_run_ids)

    def stop(self) -> None:
        self.runtime.stop()

    def close(self) -> None:
        self.runtime.close()

    def idle(self, job_run_ids: Collection[str] | None = None) -> bool:
        return self.runtime.idle(job_run_ids)

    @property
    def running(self) -> bool:
        return self.runtime.running

    def say(self, text: str) -> None:
        self.runtime.say(text)

    # ----------------------------------------------- what the REST API acts on
    def trigger(self, job_id: str) -> JobRun:
        return self.runtime.trigger(job_id)

    def pause(self, job_id: str, note: str | None = None) -> None:
        self.runtime.pause(job_id, note)

    def rerun(self, job_run_id: str, runs: RunChoice) -> JobRun:
        return self.runtime.rerun(job_run_id, runs)

    def backfill(self, job_id: str, start: int, end: int, *, dry_run: bool) -> list[BackfillTick]:
        return self.runtime.backfill(job_id, start, end, dry_run=dry_run)

    def resume(self, job_id: str) -> None:
        self.runtime.resume(job_id)

    def terminate(self, job_run_id: str) -> JobRun:
        return self.runtime.terminate(job_run_id)

    def job_source(self, job_id: str) -> JobSourceKind | None:
        return self.definitions.source_of(job_id)

    def job_origin(self, job_id: str) -> dict[str, str]:
        return self.definitions.origin_of(job_id)

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition:
        definition = self.definitions.put_api_job(job_id, document, create=create)
        self.runtime.change_definitions(lambda target: target.put_job(job_id, definition))
        return definition

    def delete_api_job(self, job_id: str) -> None:
        self.definitions.delete_api_job(job_id)
        self.runtime.change_definitions(lambda target: target.delete_job(job_id))

    def put_api_auth_session(self, session_id: str, document: Any, *, create: bool) -> None:
        """Its stored state is dropped, so that the next attempt recreates it."""
        definition = self.definitions.put_api_auth_session(session_id, document, create=create)
        self.runtime.change_definitions(
            lambda target: target.put_auth_session(session_id, definition)
        )
        self.runtime.reset_auth_session(session_id)

    def delete_api_auth_session(self, session_id: str) -> None:
        self.definitions.delete_api_auth_session(session_id)
        self.runtime.change_definitions(lambda target: target.remove_auth_session(session_id))
        self.runtime.forget_auth_session(session_id)

    def start_direct(self, kind: DirectKind, document: dict[str, Any]) -> JobRun:
        return self.runtime.start_direct(kind, document)

    def results_link(self, job_run_id: str) -> ResultsLink | None:
        return self.runtime.query.results_link(job_run_id)
