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
from typing import TextIO

from ..engine import Launcher
from ..runtime import (
    Commands,
    RuntimeQuery,
    RuntimeSettings,
    assemble,
    wall_clock_ms,
)
from ..store import Store, open_store
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
        self.runtime = assemble(
            settings,
            store=store,
            launcher=launcher,
            definitions=self.definitions,
            clock=clock,
            out=out,
        )
        self.query: RuntimeQuery = self.runtime.query
        self.commands = Commands(self.runtime, self.definitions)
        """What the REST API (and the command line) asks of it."""

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
