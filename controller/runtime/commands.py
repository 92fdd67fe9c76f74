"""One command surface for both modes: what the REST API asks a controller to do.

The runtime does the work. What differs between the modes is where definitions come from, and
that is the mode's ``Catalog``: it names a Job's source and origin, takes (or refuses) the API's
own Jobs and AuthSessions, and hears of pauses (the operator writes them back to the resource).
"""

from __future__ import annotations

from typing import Any, Protocol

from ..delivery import ResultsLink
from ..engine import BackfillTick, JobRun
from ..spec import AuthSessionDefinition, JobDefinition
from ..store import RunFilter
from ..vocabulary import DirectKind, JobSourceKind
from .driver import Runtime
from .query import RuntimeQuery
from .reruns import RunChoice


class Catalog(Protocol):
    """A mode's definitions, as the commands see them; its methods raise ``JobConflictError``
    for what the mode does not allow (the operator edits no Job through the API)."""

    def source_of(self, job_id: str) -> JobSourceKind | None: ...

    def origin_of(self, job_id: str) -> dict[str, str]:
        """Where the Job is defined, for people (``file``, ``commit``, ``resource``, ``api``)."""

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition: ...

    def delete_api_job(self, job_id: str) -> None: ...

    def put_api_auth_session(
        self, session_id: str, document: Any, *, create: bool
    ) -> AuthSessionDefinition: ...

    def delete_api_auth_session(self, session_id: str) -> None: ...

    def paused(self, job_id: str, paused: bool, note: str | None) -> None:
        """A Job was paused or resumed through a command (after the runtime did it)."""


class Commands:
    def __init__(self, runtime: Runtime, catalog: Catalog) -> None:
        self.runtime, self.catalog = runtime, catalog
        self.query: RuntimeQuery = runtime.query

    def trigger(self, job_id: str) -> JobRun:
        return self.runtime.trigger(job_id)

    def pause(self, job_id: str, note: str | None = None) -> None:
        self.runtime.pause(job_id, note)
        self.catalog.paused(job_id, True, note)

    def resume(self, job_id: str) -> None:
        self.runtime.resume(job_id)
        self.catalog.paused(job_id, False, None)

    def rerun(self, job_run_id: str, runs: RunChoice) -> JobRun:
        """A JobRun of the chosen Runs' items (``Runtime.rerun``)."""
        return self.runtime.rerun(job_run_id, runs)

    def backfill(self, job_id: str, start: int, end: int, *, dry_run: bool) -> list[BackfillTick]:
        """Queue (or list) the Job's ticks in ``[start, end)``."""
        return self.runtime.backfill(job_id, start, end, dry_run=dry_run)

    def terminate(self, job_run_id: str) -> JobRun:
        return self.runtime.terminate(job_run_id)

    def terminate_runs(self, job_run_id: str, where: RunFilter, *, dry_run: bool) -> int:
        """End the JobRun's unfinished Runs that match ``where`` (``Runtime.terminate_runs``)."""
        return self.runtime.terminate_runs(job_run_id, where, dry_run=dry_run)

    def start_direct(self, kind: DirectKind, document: dict[str, Any]) -> JobRun:
        """A one-off JobRun: a direct Run, or an AuthSession operation."""
        return self.runtime.start_direct(kind, document)

    def results_link(self, job_run_id: str) -> ResultsLink | None:
        return self.query.results_link(job_run_id)

    def job_source(self, job_id: str) -> JobSourceKind | None:
        return self.catalog.source_of(job_id)

    def job_origin(self, job_id: str) -> dict[str, str]:
        return self.catalog.origin_of(job_id)

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition:
        definition = self.catalog.put_api_job(job_id, document, create=create)
        self.runtime.change_definitions(lambda target: target.put_job(job_id, definition))
        return definition

    def delete_api_job(self, job_id: str) -> None:
        self.catalog.delete_api_job(job_id)
        self.runtime.change_definitions(lambda target: target.delete_job(job_id))

    def put_api_auth_session(self, session_id: str, document: Any, *, create: bool) -> None:
        """Create or replace an AuthSession's definition; its stored state is dropped, so that
        the next attempt recreates it."""
        definition = self.catalog.put_api_auth_session(session_id, document, create=create)
        self.runtime.change_definitions(
            lambda target: target.put_auth_session(session_id, definition)
        )
        self.runtime.reset_auth_session(session_id)

    def signed_in(self, session_id: str, storage_state: dict[str, Any]) -> int:
        """A person's sign-in to a recorder AuthSession, saved as its next version."""
        return self.runtime.signed_in(session_id, storage_state)

    def delete_api_auth_session(self, session_id: str) -> None:
        self.catalog.delete_api_auth_session(session_id)
        self.runtime.change_definitions(lambda target: target.remove_auth_session(session_id))
        self.runtime.forget_auth_session(session_id)
