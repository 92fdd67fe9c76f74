"""What the REST API's handlers share: the ``Control`` port they command, and ``Views``, which
turns engine state into API objects and engine errors into API errors (``ApiError``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..delivery import ResultsLink
from ..engine import BackfillTick, EngineError, InvalidDefinitionError, JobRun, NotFoundError
from ..runtime import RunChoice, RuntimeQuery
from ..spec import JobDefinition
from ..store import RunFilter
from ..vocabulary import DirectKind, JobSourceKind
from .intuned.shapes import job_details_object, job_object, job_run_object


class Control(Protocol):
    """What the API needs from a controller (the embedded one, or the operator)."""

    query: RuntimeQuery

    def trigger(self, job_id: str) -> JobRun: ...

    def pause(self, job_id: str, note: str | None = None) -> None: ...

    def rerun(self, job_run_id: str, runs: RunChoice) -> JobRun:
        """A JobRun of the chosen Runs' items (``runtime.Runtime.rerun``)."""

    def backfill(self, job_id: str, start: int, end: int, *, dry_run: bool) -> list[BackfillTick]:
        """Queue (or list) the Job's ticks in ``[start, end)``."""

    def resume(self, job_id: str) -> None: ...

    def terminate(self, job_run_id: str) -> JobRun: ...

    def terminate_runs(self, job_run_id: str, where: RunFilter, *, dry_run: bool) -> int:
        """End the JobRun's unfinished Runs that match ``where``; how many (would)."""

    def job_source(self, job_id: str) -> JobSourceKind | None: ...

    def job_origin(self, job_id: str) -> dict[str, str]:
        """Where the Job is defined, for people (``file``, ``commit``, ``resource``, ``api``)."""

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition: ...

    def delete_api_job(self, job_id: str) -> None: ...

    def put_api_auth_session(self, session_id: str, document: Any, *, create: bool) -> None:
        """Create or replace an AuthSession's definition (``document``: its credentials)."""

    def delete_api_auth_session(self, session_id: str) -> None: ...

    def signed_in(self, session_id: str, storage_state: dict[str, Any]) -> int:
        """A person's sign-in to a recorder AuthSession, saved as its next version."""

    def start_direct(self, kind: DirectKind, document: dict[str, Any]) -> JobRun:
        """A one-off JobRun: a direct Run, or an AuthSession operation."""

    def results_link(self, job_run_id: str) -> ResultsLink | None: ...


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.details = details


class Views:
    """Engine state as API objects, and engine commands with their errors as API errors."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.query = control.query
        self.identity = control.query.identity

    def project(self, workspace_id: str, project_name: str) -> None:
        """Paths name the workspace by its ID or by the name it was configured as."""
        identity = self.identity
        workspaces = (identity.workspace_id, identity.workspace_name)
        if workspace_id not in workspaces or project_name != identity.project_name:
            raise ApiError(
                404,
                f"no project {project_name!r} in workspace {workspace_id!r}; "
                f"this controller serves {identity.project_name!r} in workspace "
                f"{identity.workspace_id!r}",
            )

    def job(self, job_id: str) -> dict[str, Any]:
        job = self.query.job(job_id)
        source = self.control.job_source(job_id)
        if job is None or source is None:
            raise ApiError(404, f"no job {job_id!r}")
        runs = self.runs_of(job_id)
        return job_object(job, source, runs[0] if runs else None, self.identity)

    def job_details(self, job_id: str) -> dict[str, Any]:
        return job_details_object(self.job(job_id), self.identity)

    def jobs(self) -> list[dict[str, Any]]:
        return [self.job(j) for j in self.query.job_ids() if self.control.job_source(j)]

    def runs_of(self, job_id: str) -> list[JobRun]:
        return self.query.job_runs(job_id)

    def job_run(self, job_run: JobRun) -> dict[str, Any]:
        return job_run_object(job_run, self.identity)

    def job_run_with_results(self, job_run: JobRun) -> dict[str, Any]:
        body: dict[str, Any] = {"jobRun": self.job_run(job_run)}
        link = self.control.results_link(job_run.id)
        if link is not None:
            body["results"] = link.api_object()
        return body

    def find_run(self, job_id: str | None, job_run_id: str) -> JobRun:
        job_run = self.query.job_run(job_run_id)
        if job_run is None or (job_id is not None and job_run.job_id != job_id):
            of = f" of job {job_id!r}" if job_id else ""
            raise ApiError(404, f"no JobRun {job_run_id!r}{of}")
        return job_run

    @staticmethod
    def command(action: Callable[[], Any]) -> Any:
        try:
            return action()
        except NotFoundError as exc:
            raise ApiError(404, str(exc)) from None
        except InvalidDefinitionError as exc:
            raise ApiError(400, "the definition is not valid", exc.problems) from None
        except EngineError as exc:
            raise ApiError(409, str(exc)) from None
