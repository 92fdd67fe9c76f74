"""The embedded runtime's definitions: the resources folder, and Jobs and AuthSessions created
through the API.

Files are the repository's truth: the API may read a file's Job or AuthSession but not change
it, and a file that appears for the ID of an API one takes it over (the API's is deleted from
the store). API definitions are kept in the store (``api_jobs``, ``api_auth_sessions``) and come
back on restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import watchfiles

from ..engine import NotFoundError
from ..runtime import (
    Change,
    DefinitionTarget,
    JobConflictError,
    parse_auth_session_document,
    parse_job_document,
)
from ..spec import AuthSessionDefinition, JobDefinition
from ..store import Documents
from ..vocabulary import JobSourceKind
from .resources import Reload, ResourceSet

FOLDER_POLL_S = 0.5
"""How often a missing resources folder is looked for."""


def _folder_identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of the folder: a folder created again in its place is another one."""
    try:
        info = folder.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


class ProjectDefinitions:
    """A ``DefinitionSource``: job and AuthSession files, and the REST API's Jobs."""

    def __init__(
        self,
        resources: Path,
        api_jobs: Documents,
        api_auth_sessions: Documents,
        *,
        watch: bool,
    ) -> None:
        self.files = ResourceSet(resources)
        self.api_jobs = api_jobs
        self.api_auth_sessions = api_auth_sessions
        self.watch = watch
        self._api: dict[str, JobDefinition] = {}
        """Jobs created through the REST API (persisted in ``api_jobs``)."""
        self._api_sessions: set[str] = set()
        """AuthSessions created through the REST API (persisted in ``api_auth_sessions``)."""

    def load(self, target: DefinitionTarget) -> None:
        self._apply(self.files.reload(), target)
        for job_id, document in self.api_jobs.all().items():
            if job_id not in self.files.jobs:
                self._api[job_id] = parse_job_document(job_id, document)
                target.put_job(job_id, self._api[job_id])
        for session_id, document in self.api_auth_sessions.all().items():
            if session_id not in self.files.auth_sessions:
                self._api_sessions.add(session_id)
                target.put_auth_session(
                    session_id, parse_auth_session_document(session_id, document)
                )

    async def follow(self, changed: Callable[[Change], None]) -> None:
        """Files are parsed off the event loop (a large file must not stall the API), and only
        those that changed. A folder that is deleted and created again (a git checkout that
        replaces it) is watched again: while it is missing, the Jobs keep running as they are."""
        if not self.watch:
            return
        root = self.files.root
        known = _folder_identity(root)
        while True:
            while known is None:
                await asyncio.sleep(FOLDER_POLL_S)
                known = _folder_identity(root)
                if known is not None:
                    await self._reload_changed(changed)
            async for _changes in watchfiles.awatch(
                root, debounce=300, step=100, rust_timeout=1_000, yield_on_timeout=True
            ):
                if _folder_identity(root) != known:
                    break
                if _changes:
                    await self._reload_changed(changed)
            known = None

    async def _reload_changed(self, changed: Callable[[Change], None]) -> None:
        reload = await asyncio.to_thread(self.files.reload)
        changed(lambda target: self._apply(reload, target))

    def broken(self) -> int:
        return len(self.files.broken_files)

    def source_of(self, job_id: str) -> JobSourceKind | None:
        """``code`` (a file), ``api`` (created through the REST API) or None (no such Job)."""
        if job_id in self.files.jobs:
            return "code"
        return "api" if job_id in self._api else None

    def origin_of(self, job_id: str) -> dict[str, str]:
        """Where the Job is defined, for people: its file, or the REST API."""
        file = self.files.file_of(job_id)
        if file is not None:
            return {"file": file}
        return {"api": "created through the REST API"} if job_id in self._api else {}

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition:
        """Validate and keep a Job created (``create``) or replaced through the API (the caller
        gives it to the runtime). Raises ``InvalidDefinitionError``, ``JobConflictError``
        (defined by code, or exists already) or ``NotFoundError``."""
        source = self.source_of(job_id)
        if source == "code":
            raise JobConflictError(
                f"job {job_id!r} is defined by code ({job_id}.job.jsonc); change its file instead"
            )
        if create and source == "api":
            raise JobConflictError(f"job {job_id!r} exists already; update it instead")
        if not create and source is None:
            raise NotFoundError(f"no job {job_id!r}")
        definition = parse_job_document(job_id, document)
        self.api_jobs.put(job_id, document)
        self._api[job_id] = definition
        return definition

    def delete_api_job(self, job_id: str) -> None:
        source = self.source_of(job_id)
        if source == "code":
            raise JobConflictError(
                f"job {job_id!r} is defined by code; remove its file to delete it"
            )
        if source is None:
            raise NotFoundError(f"no job {job_id!r}")
        self.api_jobs.delete(job_id)
        del self._api[job_id]

    def put_api_auth_session(
        self, session_id: str, document: Any, *, create: bool
    ) -> AuthSessionDefinition:
        """Like ``put_api_job``, for an AuthSession (``document``: its definition)."""
        if session_id in self.files.auth_sessions:
            raise JobConflictError(
                f"AuthSession {session_id!r} is defined by code "
                f"({session_id}.auth-session.jsonc); change its file instead"
            )
        if create and session_id in self._api_sessions:
            raise JobConflictError(f"AuthSession {session_id!r} exists already; update it instead")
        if not create and session_id not in self._api_sessions:
            raise NotFoundError(f"no AuthSession {session_id!r}")
        definition = parse_auth_session_document(session_id, document)
        self.api_auth_sessions.put(session_id, document)
        self._api_sessions.add(session_id)
        return definition

    def delete_api_auth_session(self, session_id: str) -> None:
        if session_id in self.files.auth_sessions:
            raise JobConflictError(
                f"AuthSession {session_id!r} is defined by code; remove its file to delete it"
            )
        if session_id not in self._api_sessions:
            raise NotFoundError(f"no AuthSession {session_id!r}")
        self.api_auth_sessions.delete(session_id)
        self._api_sessions.discard(session_id)

    def paused(self, job_id: str, paused: bool, note: str | None) -> None:
        """Nothing to write back: a pause lives in the engine's store, not in a job file."""

    def _apply(self, reload: Reload, target: DefinitionTarget) -> None:
        for problem in reload.problems:
            target.say(f"invalid: {problem}")
        for job_id in reload.kept:
            target.say(f"{job_id}: keeps running its last valid version until the file is fixed")
        for session_id, session in reload.auth_sessions_changed.items():
            if session_id in self._api_sessions:
                self._api_sessions.discard(session_id)
                self.api_auth_sessions.delete(session_id)
                target.say(f"AuthSession {session_id}: now defined by code, replacing the API's")
            target.put_auth_session(session_id, session)
            target.say(f"AuthSession {session_id}: loaded")
        for session_id in reload.auth_sessions_removed:
            target.remove_auth_session(session_id)
        for job_id, definition in reload.changed.items():
            if self._api.pop(job_id, None) is not None:
                self.api_jobs.delete(job_id)
                target.say(f"{job_id}: now defined by code, replacing the Job created by the API")
            target.put_job(job_id, definition)
            target.say(f"{job_id}: loaded")
        for job_id in reload.removed:
            target.delete_job(job_id)
            target.say(f"{job_id}: removed")
