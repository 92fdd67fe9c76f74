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
from ..embedded.api_jobs import JobConflictError
from ..engine import JobRun
from ..spec import JobDefinition
from .operator import Operator

READ_ONLY = (
    "Jobs are Kubernetes resources here: change them with kubectl, `jobctl apply` or "
    "the synced repository"
)


class ResourceControl:
    def __init__(self, operator: Operator) -> None:
        self.operator = operator
        self.engine = operator.controller.engine

    def trigger(self, job_id: str) -> JobRun:
        return self.operator.controller.trigger(job_id)

    def pause(self, job_id: str) -> None:
        self.operator.controller.pause(job_id)
        self.operator.write_suspend(job_id, True)

    def resume(self, job_id: str) -> None:
        self.operator.controller.resume(job_id)
        self.operator.write_suspend(job_id, False)

    def terminate(self, job_run_id: str) -> JobRun:
        return self.operator.controller.terminate(job_run_id)

    def job_source(self, job_id: str) -> str | None:
        source = self.operator.sources.get(job_id)
        return source.kind if source is not None and job_id in self.engine.jobs else None

    def put_api_job(self, job_id: str, document: Any, *, create: bool) -> JobDefinition:
        raise JobConflictError(READ_ONLY)

    def delete_api_job(self, job_id: str) -> None:
        raise JobConflictError(READ_ONLY)

    def results_link(self, job_run_id: str) -> ResultsLink | None:
        return self.operator.controller.results_link(job_run_id)
