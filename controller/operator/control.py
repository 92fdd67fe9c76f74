"""What the REST API may do in a cluster: read everything, run Jobs, never edit them.

In the operator, Jobs are Kubernetes resources (applied with kubectl, ``jobctl apply`` or the
repo sync), so creating, replacing or deleting one through the API is refused (409, saying
where to make the change). Pause and resume act at once and are written back to the Job's
``spec.suspend`` so that the resource stays the truth (the operator's own handler then finds
nothing to do). Triggered JobRuns get their resources like any other.
"""

from __future__ import annotations

from typing import Any

from ..delivery import ResultsLink
from ..engine import BackfillTick, JobRun
from ..runtime import JobConflictError, RunChoice
from ..spec import JobDefinition
from ..vocabulary import DirectKind, JobSourceKind
from .operator import Operator

READ_ONLY = (
    "Jobs are Kubernetes resources here: change them with kubectl, `jobctl apply` or "
    "the synced repository"
)

READ_ONLY_SESSIONS = (
    "AuthSessions are Kubernetes resources here: change them with kubectl, `jobctl apply` or "
    "the synced repository (validate works through the API)"
)


class ResourceControl:
    def __init__(self, operator: Operator) -> None:
        self.operator = operator
        self.runtime = operator.runtime
        self.query = operator.query

    def trigger(self, job_id: str) -> JobRun:
        return self.runtime.trigger(job_id)

    def pause(self, job_id: str, note: str | None = None) -> None:
        self.runtime.pause(job_id, note)
        self.operator.write_suspend(job_id, True, note)

    def rerun(self, job_run_id: str, runs: RunChoice) -> JobRun:
        return self.runtime.rerun(job_run_id, runs)

    def backfill(self, job_id: str, start: int, end: int, *, dry_run: bool) -> list[BackfillTick]:
        return self.runtime.backfill(job_id, start, end, dry_run=dry_run)

    def resume(self, job_id: str) -> None:
        self.runtime.resume(job_id)
        self.operator.write_suspend(job_id, False)

    def terminate(self, job_run_id: str) -> JobRun:
        return self.runtime.terminate(job_run_id)

    def job_source(self, job_id: str) -> JobSourceKind | None:
        record = self.operator.mirror.jobs.get(job_id)
        if record is None or self.query.job(job_id) is None:
            return None
        return record.source.kind

    def job_origin(self, job_id: str) -> dict[str, str]:
        """The Job resource, and the job file and commit it was synced from (if it was)."""
        record = self.operator.mirror.jobs.get(job_id)
        if record is None:
            return {}
        origin = {"resource": f"{self.operator.namespace}/jobs/{job_id}"}
        for fact, value in (("file", record.source.path), ("commit", record.source.commit)):
            if value:
                origin[fact] = value
        return origin

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition:
        raise JobConflictError(READ_ONLY)

    def delete_api_job(self, job_id: str) -> None:
        raise JobConflictError(READ_ONLY)

    def put_api_auth_session(self, session_id: str, document: Any, *, create: bool) -> None:
        raise JobConflictError(READ_ONLY_SESSIONS)

    def delete_api_auth_session(self, session_id: str) -> None:
        raise JobConflictError(READ_ONLY_SESSIONS)

    def start_direct(self, kind: DirectKind, document: dict[str, Any]) -> JobRun:
        return self.runtime.start_direct(kind, document)

    def results_link(self, job_run_id: str) -> ResultsLink | None:
        return self.query.results_link(job_run_id)
