"""How a Job's recent JobRuns went (extensions): failed Runs grouped by kind, per JobRun and per
Job, and the figures of the Job's charts. A group is one error code and one message shape
(``runtime.failures``), with its count, first and last failure, and the JobRuns it occurred in;
the latest failure first."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ...engine import iso_ms
from ...runtime import FailureGroup
from ..paths import API, ERROR_RESPONSES, JobId, JobRunId, ProjectName, Workspace
from ..views import Views

JOB_RUNS_PER_JOB = 20
"""A Job's failures and charts are its latest JobRuns' (the history limit may hold more)."""


def group_object(group: FailureGroup) -> dict[str, Any]:
    return {
        "errorCode": group.code,
        "shape": group.shape,
        "latestMessage": group.latest_message,
        "count": group.count,
        "firstSeen": iso_ms(group.first_ended_at),
        "lastSeen": iso_ms(group.last_ended_at),
        "jobRunIds": group.job_run_ids,
    }


def failures_object(groups: list[FailureGroup]) -> dict[str, Any]:
    return {
        "failedRuns": sum(g.count for g in groups),
        "groups": [group_object(g) for g in groups],
    }


def add_recent_routes(app: FastAPI, views: Views) -> None:
    @app.get(f"{API}/job-runs/{{jobRunId}}/failures", tags=["job runs"], responses=ERROR_RESPONSES)
    async def job_run_failures(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId
    ) -> Any:
        """The JobRun's FAILED Runs grouped by error code and message shape, with counts,
        first and last seen; the latest failure first."""
        views.project(workspace_id, project_name)
        views.find_run(None, job_run_id)
        return failures_object(views.query.failures([job_run_id]))

    @app.get(f"{API}/jobs/{{jobId}}/charts", tags=["jobs"], responses=ERROR_RESPONSES)
    async def job_charts(workspace_id: Workspace, project_name: ProjectName, job_id: JobId) -> Any:
        """What the Job's charts show of each of its latest JobRuns, oldest first: Runs ended
        per minute, the share that succeeded, attempt duration percentiles (epoch ms)."""
        views.project(workspace_id, project_name)
        views.job(job_id)
        return {
            "jobRuns": [
                {
                    "jobRunId": f.job_run_id,
                    "startedAt": f.started_at,
                    "endedRuns": f.ended_runs,
                    "runsPerMinute": f.runs_per_minute,
                    "successRate": f.success_rate,
                    "durationMs": f.duration_ms,
                }
                for f in views.query.job_figures(job_id, JOB_RUNS_PER_JOB)
            ]
        }

    @app.get(f"{API}/jobs/{{jobId}}/failures", tags=["jobs"], responses=ERROR_RESPONSES)
    async def job_failures(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId
    ) -> Any:
        """The FAILED Runs of the Job's latest JobRuns, grouped as a JobRun's are; each group
        names the JobRuns it occurred in."""
        views.project(workspace_id, project_name)
        views.job(job_id)
        recent = [r.id for r in views.query.job_runs(job_id)[:JOB_RUNS_PER_JOB]]
        return failures_object(views.query.failures(recent))
