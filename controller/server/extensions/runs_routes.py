"""A JobRun's Runs, a Run's attempts and the JobRun's attempts on a time axis (extensions under
``job-runs/``): keyset pages and timelines read from the store, so they cost the same at any depth
of a large JobRun and in both runtimes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query
from fastapi.responses import StreamingResponse

from ...runtime import Timeline
from ...store import RunFilter
from ...vocabulary import RunStatus
from ..intuned.models import RunDetail, RunsPage
from ..paths import API, ERROR_RESPONSES, JobRunId, ProjectName, Workspace, answer
from ..views import ApiError, Views
from .run_shapes import attempt_object, run_object

RunId = Annotated[str, Path(alias="runId", description="The Run ID (ru_...).")]


def _after(cursor: str | None) -> int:
    if cursor is None:
        return -1
    if not cursor.isdigit():
        raise ApiError(400, f"cursor {cursor!r} is not one this API gave; pass its nextCursor")
    return int(cursor)


def timeline_object(timeline: Timeline) -> dict[str, Any]:
    """Times in epoch milliseconds (what a chart draws with)."""
    bars = None
    if timeline.bars is not None:
        bars = [
            {
                "runId": b.run_id,
                "attempt": b.attempt,
                "lane": b.lane,
                "start": b.start,
                "end": b.end,
                "outcome": b.outcome,
            }
            for b in timeline.bars
        ]
    slices = None
    if timeline.slices is not None:
        slices = [{"start": s.start, "end": s.end, "counts": s.counts} for s in timeline.slices]
    return {
        "start": timeline.start,
        "end": timeline.end,
        "attempts": timeline.attempts,
        "bars": bars,
        "slices": slices,
    }


async def _events(
    views: Views, attempt_id: str | None, in_flight: Callable[[], bool]
) -> AsyncIterator[str]:
    yield f": live log of {attempt_id or 'no attempt in flight'}\n\n"
    if attempt_id is not None:
        async for piece in views.query.follow_log(attempt_id, in_flight):
            yield "".join(f"data: {line}\n" for line in piece.split("\n")) + "\n"
    yield "event: end\ndata: \n\n"


def add_runs_routes(app: FastAPI, views: Views) -> None:
    @app.get(f"{API}/job-runs/{{jobRunId}}/timeline", tags=["job runs"], responses=ERROR_RESPONSES)
    async def timeline(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId
    ) -> Any:
        """The JobRun's attempts on a time axis: ``bars``, each attempt in a lane (the worker
        slot it held) with its outcome (``running`` while in flight); past 2,000 attempts,
        ``slices`` instead: attempts counted by outcome in 120 equal slices of its time."""
        views.project(workspace_id, project_name)
        return timeline_object(views.query.timeline(views.find_run(None, job_run_id)))

    @app.get(
        f"{API}/job-runs/{{jobRunId}}/runs",
        response_model=RunsPage,
        tags=["job runs"],
        responses=ERROR_RESPONSES,
    )
    async def list_runs(
        workspace_id: Workspace,
        project_name: ProjectName,
        job_run_id: JobRunId,
        *,
        status: RunStatus | None = None,
        api: str | None = None,
        error_code: Annotated[str | None, Query(alias="errorCode")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
        search: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Any:
        """The JobRun's Runs in payload order (extensions after), filtered by status, API name,
        error code or text in their parameters; ``nextCursor`` fetches the next page."""
        views.project(workspace_id, project_name)
        views.find_run(None, job_run_id)
        where = RunFilter(status, api, error_code, search or None)
        rows = views.query.run_records.runs(
            job_run_id, where, after_seq=_after(cursor), limit=limit + 1
        )
        waiting = views.query.runs_waiting(job_run_id)
        more = len(rows) > limit
        page = rows[:limit]
        return {
            "runs": [run_object(r, waiting(r["id"], r["status"])) for r in page],
            "nextCursor": str(page[-1]["seq"]) if more else None,
        }

    @app.get(
        f"{API}/job-runs/{{jobRunId}}/runs/{{runId}}/log",
        tags=["job runs"],
        responses=ERROR_RESPONSES,
        response_class=StreamingResponse,
    )
    async def live_log(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId, run_id: RunId
    ) -> StreamingResponse:
        """The log of the Run's attempt in flight as it is written, as server-sent events: one
        ``message`` event per piece (the log so far first), then an ``end`` event when the
        attempt ends (at once for a Run that is not running: its log is its attempt's
        ``logUrl``)."""
        views.project(workspace_id, project_name)
        job_run = views.find_run(None, job_run_id)

        def attempt() -> str | None:
            run = job_run.runs.get(run_id) if job_run.active else None
            return run.attempt_id if run is not None and run.status == "RUNNING" else None

        following = attempt()
        return StreamingResponse(
            _events(views, following, lambda: attempt() == following),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @app.get(
        f"{API}/job-runs/{{jobRunId}}/runs/{{runId}}",
        response_model=RunDetail,
        tags=["job runs"],
        responses=ERROR_RESPONSES,
    )
    async def get_run(
        workspace_id: Workspace, project_name: ProjectName, job_run_id: JobRunId, run_id: RunId
    ) -> Any:
        """One Run, its whole result, and every attempt it made (the latest last)."""
        views.project(workspace_id, project_name)
        views.find_run(None, job_run_id)
        record = views.query.run_records.run(job_run_id, run_id)
        if record is None:
            raise ApiError(404, f"no Run {run_id!r} in JobRun {job_run_id!r}")
        attempts = views.query.run_records.attempts(record)
        waiting = views.query.runs_waiting(job_run_id)(run_id, record["status"])
        detail = {
            "run": run_object(record, waiting),
            "attempts": [attempt_object(a) for a in attempts],
        }
        return answer(detail, record.get("result"))
