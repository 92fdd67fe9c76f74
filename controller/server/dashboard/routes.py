"""What the dashboard reads that Intuned's API has no shape for (extensions under
``dashboard/``): Jobs with their latest JobRun's progress, a Job with its schedule preview and
missed ticks, a JobRun with its progress, AuthSessions with their versions. Everything long (a
JobRun's Runs) is paged by the ``runs`` routes; these answers are bounded by the Jobs and the
history limit."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ...engine import JobRun, iso_ms
from ...schedule import CompiledSchedule, preview_rows
from ..intuned.shapes import progress_object
from ..paths import API, ERROR_RESPONSES, JobId, JobRunId, ProjectName, Workspace
from ..views import Views

PREVIEW_TICKS = 10
MISSED_SHOWN = 20
TAGS: list[str | Any] = ["dashboard"]


def _progress(views: Views, job_run: JobRun | None) -> dict[str, Any] | None:
    if job_run is None:
        return None
    return {
        **progress_object(job_run, views.query.waiting(job_run.id)),
        "type": job_run.type,
        "created_at": iso_ms(job_run.created_at),
        "end_time": iso_ms(job_run.end_time),
    }


def _schedule_summary(views: Views, job_id: str) -> list[str]:
    job = views.query.job(job_id)
    spec = None if job is None else job.definition.schedule
    if spec is None:
        return []
    zone = "" if spec.timeZone == "UTC" else f" in {spec.timeZone}"
    sources = CompiledSchedule(spec).sources
    return [f"{s.summary}{zone}" + (f": {s.comment}" if s.comment else "") for s in sources]


def _job_summary(
    views: Views, job_id: str, listed: dict[str, Any], job_runs: list[JobRun]
) -> dict[str, Any]:
    """``listed``: the Job as the API lists it; ``job_runs``: its JobRuns, newest first."""
    return {
        "id": job_id,
        "origin": views.control.job_origin(job_id),
        "state": listed["state"],
        "reason": listed["reason"],
        "schedule": _schedule_summary(views, job_id),
        "next_run_time": listed["next_run_time"],
        "last_job_run": _progress(views, job_runs[0] if job_runs else None),
        "active_job_run": _progress(views, next((r for r in job_runs if r.active), None)),
    }


def add_dashboard_routes(app: FastAPI, views: Views) -> None:
    base = f"{API}/dashboard"

    @app.get(f"{base}/jobs", tags=TAGS, responses=ERROR_RESPONSES)
    async def jobs_overview(workspace_id: Workspace, project_name: ProjectName) -> Any:
        """Every Job with its schedule, state and latest JobRun's progress."""
        views.project(workspace_id, project_name)
        return [
            _job_summary(views, job_id, views.job(job_id), views.runs_of(job_id))
            for job_id in views.query.job_ids()
            if views.control.job_source(job_id)
        ]

    @app.get(f"{base}/jobs/{{jobId}}", tags=TAGS, responses=ERROR_RESPONSES)
    async def job_overview(
        workspace_id: Workspace, project_name: ProjectName, job_id: JobId
    ) -> Any:
        """A Job: its definition (secrets masked), the next ticks in UTC and its time zone,
        its JobRuns (newest first) and its latest missed ticks."""
        views.project(workspace_id, project_name)
        listed = views.job(job_id)  # 404 for an unknown Job
        job_runs = views.runs_of(job_id)
        summary = _job_summary(views, job_id, listed, job_runs)
        job = views.query.job(job_id)
        spec = None if job is None else job.definition.schedule
        now = views.query.clock()
        preview = [] if spec is None else preview_rows(job_id, spec, now, PREVIEW_TICKS)
        missed = views.query.run_records.missed_ticks(job_id, MISSED_SHOWN)
        return {
            **summary,
            "definition": listed,
            "preview": preview,
            "missed_ticks": [iso_ms(tick) for tick in missed],
            "job_runs": [_progress(views, r) for r in job_runs],
        }

    @app.get(f"{base}/job-runs/{{jobRunId}}", tags=TAGS, responses=ERROR_RESPONSES)
    async def job_run_overview(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId
    ) -> Any:
        """A JobRun as the Get JobRun API has it, with its progress counts and whether it is
        still active (the dashboard keeps no list of final statuses of its own)."""
        views.project(workspace_id, project_name)
        job_run = views.find_run(None, job_run_id)
        return {
            **views.job_run(job_run),
            "active": job_run.active,
            "progress": _progress(views, job_run),
            "results_url": f"/results/{job_run.id}",
        }

    @app.get(f"{base}/auth-sessions", tags=TAGS, responses=ERROR_RESPONSES)
    async def auth_sessions_overview(workspace_id: Workspace, project_name: ProjectName) -> Any:
        """Every AuthSession: its kind (``RECORDER``: a person signs in to it, at ``startUrl``),
        status, version (states saved so far), when its state was last saved and checked."""
        views.project(workspace_id, project_name)
        sessions = []
        for session_id in views.query.auth_session_ids():
            summary = views.query.auth_summary(session_id)
            times = {k: iso_ms(summary[k]) for k in ("updated_at", "checked_at")}
            definition = views.query.auth_session(session_id)
            recorder = (
                {}
                if definition is None or definition.type != "recorder"
                else {
                    "startUrl": definition.startUrl,
                    "finishUrl": definition.finishUrl,
                }
            )
            kind = "RECORDER" if recorder else "CREDENTIALS"
            sessions.append({"id": session_id, "type": kind, **recorder, **summary, **times})
        return sessions
