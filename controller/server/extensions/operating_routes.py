"""Operating Jobs (extensions): rerun chosen Runs of a JobRun, terminate those that match a
filter, backfill a range of a Job's ticks (the pause route's note is in ``app.py``). All act
through ``Control``, so they work the same in both runtimes; a rerun is a trigger, with the
same overlap rule."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...engine import BackfillTick, JobRun, iso_ms
from ...runtime import RunChoice
from ...spec import instant_ms
from ...store import RunFilter
from ...vocabulary import RunStatus
from ..paths import API, ERROR_RESPONSES, JobId, JobRunId, ProjectName, Workspace
from ..views import ApiError, Views

RunId = Annotated[str, Field(min_length=1, max_length=64)]


class RunsMatching(BaseModel):
    """The Runs list's filter: every Run that matches all of what is given."""

    model_config = ConfigDict(extra="forbid")
    status: RunStatus | None = None
    api: str | None = Field(default=None, max_length=200)
    errorCode: str | None = Field(default=None, max_length=200)
    search: str | None = Field(default=None, max_length=200)

    def run_filter(self) -> RunFilter:
        return RunFilter(self.status, self.api, self.errorCode, self.search or None)


class RerunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    runs: (
        Literal["failed"] | Annotated[list[RunId], Field(min_length=1, max_length=100_000)] | None
    ) = Field(default=None, description='"failed": every Run that ended FAILED; or these Run IDs.')
    filter: RunsMatching | None = Field(
        default=None, description="Instead of runs: every Run that matches this filter."
    )
    dryRun: bool = Field(default=False, description="Count the Runs it would rerun; run nothing.")

    @model_validator(mode="after")
    def _one_choice(self) -> RerunRequest:
        if (self.runs is None) == (self.filter is None):
            raise ValueError('give either "runs" or "filter"')
        return self

    def choice(self) -> RunChoice:
        if self.filter is not None:
            return self.filter.run_filter()
        assert self.runs is not None
        return self.runs


class TerminateRunsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filter: RunsMatching = Field(
        default_factory=RunsMatching, description="The Runs to end (default: every one left)."
    )
    dryRun: bool = Field(default=False, description="Count the Runs it would end; end nothing.")


class BackfillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: datetime = Field(alias="from", description="First instant (inclusive), ISO 8601.")
    end: datetime = Field(alias="to", description="Last instant (exclusive), ISO 8601.")
    dryRun: bool = Field(default=False, description="List the ticks; queue nothing.")


def tick_object(tick: BackfillTick) -> dict[str, Any]:
    return {"scheduledTime": iso_ms(tick.tick), "jobRunId": tick.job_run_id, "state": tick.state}


def _would_rerun(views: Views, job_run_id: str, choice: RunChoice) -> dict[str, Any]:
    records = views.query.run_records
    if isinstance(choice, RunFilter):
        count = records.count(job_run_id, choice)
    elif choice == "failed":
        count = records.count(job_run_id, RunFilter(status="FAILED"))
    else:
        count = len(set(choice))
    return {"count": count, "message": f"would rerun {count} Run(s) of {job_run_id}"}


def add_operating_routes(app: FastAPI, views: Views) -> None:
    control = views.control

    @app.post(f"{API}/job-runs/{{jobRunId}}/rerun", tags=["job runs"], responses=ERROR_RESPONSES)
    async def rerun(
        workspace_id: Workspace,
        project_name: ProjectName,
        job_run_id: JobRunId,
        request: Annotated[RerunRequest, Body()],
    ) -> Any:
        """A new MANUAL JobRun of the same Job running the chosen Runs' items (``runs``, or
        every Run matching ``filter``) with the Job's configuration of now, linked to them
        (``rerunOf``). CANCELED like any trigger while another JobRun of the Job is active.
        ``dryRun`` counts the Runs it would rerun and runs nothing."""
        views.project(workspace_id, project_name)
        views.find_run(None, job_run_id)
        choice = request.choice()
        if request.dryRun:
            return {"dryRun": True, **_would_rerun(views, job_run_id, choice)}
        job_run: JobRun = views.command(lambda: control.rerun(job_run_id, choice))
        return {
            "jobRunId": job_run.id,
            "message": f"rerun of {job_run_id}: JobRun {job_run.id} is {job_run.status}",
            "jobRun": views.job_run(job_run),
        }

    @app.post(
        f"{API}/job-runs/{{jobRunId}}/runs/terminate", tags=["job runs"], responses=ERROR_RESPONSES
    )
    async def terminate_runs(
        workspace_id: Workspace,
        project_name: ProjectName,
        job_run_id: JobRunId,
        request: Annotated[TerminateRunsRequest, Body()],
    ) -> Any:
        """End the active JobRun's unfinished (PENDING, RUNNING) Runs that match ``filter``
        TERMINATED (reason ``cancelled-user-action``, running attempts cancelled); the JobRun
        goes on with the others, and completes when none is left. ``dryRun`` counts them."""
        views.project(workspace_id, project_name)
        views.find_run(None, job_run_id)
        where = request.filter.run_filter()
        count: int = views.command(
            lambda: control.terminate_runs(job_run_id, where, dry_run=request.dryRun)
        )
        verb = "would terminate" if request.dryRun else "terminated"
        return {
            "dryRun": request.dryRun,
            "count": count,
            "message": f"{verb} {count} Run(s) of {job_run_id}",
        }

    @app.post(f"{API}/jobs/{{jobId}}/backfill", tags=["jobs"], responses=ERROR_RESPONSES)
    async def backfill(
        workspace_id: Workspace,
        project_name: ProjectName,
        job_id: JobId,
        request: Annotated[BackfillRequest, Body()],
    ) -> Any:
        """The Job's ticks in [from, to) become SCHEDULED JobRuns for their times, run one
        after another; a tick whose JobRun exists (it ran, or an earlier backfill queued it) is
        not run again. ``dryRun`` lists them and queues nothing."""
        views.project(workspace_id, project_name)
        views.job(job_id)
        start, end = instant_ms(request.start), instant_ms(request.end)
        if end <= start:
            raise ApiError(400, '"to" must be after "from"')
        ticks: list[BackfillTick] = views.command(
            lambda: control.backfill(job_id, start, end, dry_run=request.dryRun)
        )
        queued = sum(1 for t in ticks if t.state == "queued")
        verb = "would queue" if request.dryRun else "queued"
        return {
            "dryRun": request.dryRun,
            "message": f"{verb} {queued} of {len(ticks)} tick(s) of {job_id}",
            "ticks": [tick_object(t) for t in ticks],
        }
