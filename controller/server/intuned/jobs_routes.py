"""Intuned's Jobs and JobRuns API: the paths, bodies and answers of its reference, over the
``Control`` port (``views.Views``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ...engine import JobRun
from ..extensions.listing import DEFAULT_SORT, SortError, page, sorted_job_runs
from ..paths import API, ERROR_RESPONSES, JobId, JobRunId, ProjectName, Workspace
from ..views import ApiError, Views
from .models import (
    CreatedResponse,
    JobDetailsOut,
    JobOut,
    JobRunResponse,
    JobRunsResponse,
    PausedResponse,
    ProgressOut,
    ResumedResponse,
    TerminateResponse,
    TriggerResponse,
    UpdatedResponse,
)
from .shapes import progress_object

JOB_RUN_RESPONSE: dict[str, Any] = {
    "response_model": JobRunResponse,
    "response_model_exclude_unset": True,  # no "results" until the file is stored (not null)
    "tags": ["job runs"],
    "responses": ERROR_RESPONSES,
}


Document = Annotated[dict[str, Any], Body(description="A Job definition.")]


class PauseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=1000, description="Why it is paused.")


PauseBody = Annotated[PauseRequest | None, Body()]


def add_job_routes(app: FastAPI, views: Views) -> None:
    control = views.control

    @app.get(f"{API}/jobs", response_model=list[JobOut], tags=["jobs"], responses=ERROR_RESPONSES)
    async def list_jobs(workspace_id: Workspace, project_name: ProjectName) -> Any:
        views.project(workspace_id, project_name)
        return views.jobs()

    @app.post(
        f"{API}/jobs",
        response_model=CreatedResponse,
        status_code=201,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
        openapi_extra={"x-job-body": "create"},
    )
    async def create_job(
        workspace_id: Workspace, project_name: ProjectName, document: Document
    ) -> Any:
        """Create a Job: a Job definition with its ``id``."""
        views.project(workspace_id, project_name)
        job_id = document.get("id")
        if not isinstance(job_id, str) or not job_id:
            raise ApiError(400, 'the Job needs an "id" (a lowercase name like daily-sync)')
        views.command(lambda: control.put_api_job(job_id, document, create=True))
        return {"id": job_id, "message": "created"}

    @app.get(
        f"{API}/jobs/{{jobId}}",
        response_model=JobDetailsOut,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
    )
    async def get_job(workspace_id: Workspace, project_name: ProjectName, job_id: JobId) -> Any:
        views.project(workspace_id, project_name)
        return views.job_details(job_id)

    @app.put(
        f"{API}/jobs/{{jobId}}",
        response_model=UpdatedResponse,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
        openapi_extra={"x-job-body": "update"},
    )
    async def update_job(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId, document: Document
    ) -> Any:
        """Replace a Job created through the API (code-defined Jobs are read-only: 409)."""
        views.project(workspace_id, project_name)
        views.command(lambda: control.put_api_job(job_id, document, create=False))
        return {"id": job_id, "message": "updated job successfully"}

    @app.delete(
        f"{API}/jobs/{{jobId}}",
        status_code=204,
        response_class=Response,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
    )
    async def delete_job(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId
    ) -> Response:
        """Delete a Job created through the API; its active JobRun is terminated."""
        views.project(workspace_id, project_name)
        views.command(lambda: control.delete_api_job(job_id))
        return Response(status_code=204)

    @app.post(
        f"{API}/jobs/{{jobId}}/trigger",
        response_model=TriggerResponse,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
    )
    async def trigger_job(workspace_id: Workspace, project_name: ProjectName, job_id: JobId) -> Any:
        views.project(workspace_id, project_name)
        views.job(job_id)
        job_run: JobRun = views.command(lambda: control.trigger(job_id))
        return {
            "jobRunId": job_run.id,
            "message": f"triggered: JobRun {job_run.id} is {job_run.status}",
            "jobRun": views.job_run(job_run),
        }

    @app.post(
        f"{API}/jobs/{{jobId}}/pause",
        response_model=PausedResponse,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
    )
    async def pause_job(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId, body: PauseBody = None
    ) -> Any:
        """No new JobRuns; the active one pauses (in-flight attempts are re-run on resume).
        Extension: ``{"note": "..."}`` says why, shown wherever the paused state is."""
        views.project(workspace_id, project_name)
        views.job(job_id)
        note = None if body is None else body.note
        views.command(lambda: control.pause(job_id, note))
        return {"message": "Paused"}

    @app.post(
        f"{API}/jobs/{{jobId}}/resume",
        response_model=ResumedResponse,
        tags=["jobs"],
        responses=ERROR_RESPONSES,
    )
    async def resume_job(workspace_id: Workspace, project_name: ProjectName, job_id: JobId) -> Any:
        views.project(workspace_id, project_name)
        views.job(job_id)
        views.command(lambda: control.resume(job_id))
        return {"message": "Resumed"}


def add_job_run_routes(app: FastAPI, views: Views) -> None:
    control = views.control

    @app.get(
        f"{API}/jobs/{{jobId}}/runs",
        response_model=JobRunsResponse,
        response_model_exclude_unset=True,  # "rerunOf" only on reruns
        tags=["job runs"],
        responses=ERROR_RESPONSES,
    )
    async def list_job_runs(
        workspace_id: Workspace,
        project_name: ProjectName,
        job_id: JobId,
        *,
        page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100,
        page_number: Annotated[int, Query(alias="pageNumber", ge=0)] = 0,
        sort_by: Annotated[
            str, Query(alias="sortBy", description="e.g. start_time,desc/status,asc")
        ] = DEFAULT_SORT,
    ) -> Any:
        """The Job's JobRuns a page at a time (``pageNumber`` counts from 0), newest first
        unless ``sortBy`` says otherwise; the controller keeps ``--history-limit`` ended ones."""
        views.project(workspace_id, project_name)
        views.job(job_id)
        job_runs = views.runs_of(job_id)
        try:
            ordered = sorted_job_runs(job_runs, sort_by)
        except SortError as exc:
            raise ApiError(400, str(exc)) from None
        return {
            "jobRuns": [views.job_run(r) for r in page(ordered, page_size, page_number)],
            "totalCount": len(job_runs),
        }

    @app.get(f"{API}/jobs/{{jobId}}/runs/{{jobRunId}}", **JOB_RUN_RESPONSE)
    async def get_job_run(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId, job_run_id: JobRunId
    ) -> Any:
        """The JobRun and, once it has ended and its file is stored, its results file."""
        views.project(workspace_id, project_name)
        return views.job_run_with_results(views.find_run(job_id, job_run_id))

    @app.post(
        f"{API}/jobs/{{jobId}}/runs/{{jobRunId}}/terminate",
        **{**JOB_RUN_RESPONSE, "response_model": TerminateResponse},
    )
    async def terminate_job_run(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId, job_run_id: JobRunId
    ) -> Any:
        """Stop the JobRun: in-flight attempts are cancelled, the rest never run."""
        views.project(workspace_id, project_name)
        views.find_run(job_id, job_run_id)
        ended: JobRun = views.command(lambda: control.terminate(job_run_id))
        message = f"JobRun {job_run_id} is {ended.status}"
        return {"message": message, **views.job_run_with_results(ended)}

    @app.get(f"{API}/job-runs/{{jobRunId}}", **JOB_RUN_RESPONSE)
    async def find_job_run(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId
    ) -> Any:
        """A JobRun by its ID alone (a jobctl extension, for clients that only have the ID)."""
        views.project(workspace_id, project_name)
        return views.job_run_with_results(views.find_run(None, job_run_id))

    @app.get(
        f"{API}/job-runs/{{jobRunId}}/progress",
        response_model=ProgressOut,
        tags=["job runs"],
        responses=ERROR_RESPONSES,
    )
    async def job_run_progress(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId
    ) -> Any:
        """Run counts of a JobRun, running ones included (a jobctl extension, for watching)."""
        views.project(workspace_id, project_name)
        job_run = views.find_run(None, job_run_id)
        return progress_object(job_run, views.query.waiting(job_run.id))
