"""What the REST API may do in a cluster: read everything, run Jobs, never edit them (the
operator's catalog of definitions, behind the shared ``runtime.Commands``).

In the operator, Jobs are Kubernetes resources (applied with kubectl, ``jobctl apply`` or the
repo sync), so creating, replacing or deleting one through the API is refused (409, saying
where to make the change). Pause and resume act at once and are written back to the Job's
``spec.suspend`` so that the resource stays the truth (the operator's own handler then finds
nothing to do). Triggered JobRuns get their resources like any other.
"""

from __future__ import annotations

from typing import Any

from ..runtime import JobConflictError
from ..spec import AuthSessionDefinition, JobDefinition
from ..vocabulary import JobSourceKind
from .operator import Operator

READ_ONLY = (
    "Jobs are Kubernetes resources here: change them with kubectl, `jobctl apply` or "
    "the synced repository"
)

READ_ONLY_SESSIONS = (
    "AuthSessions are Kubernetes resources here: change them with kubectl, `jobctl apply` or "
    "the synced repository (validate works through the API)"
)


class ResourceCatalog:
    """The operator's ``runtime.Catalog``: Jobs and AuthSessions are the resources."""

    def __init__(self, operator: Operator) -> None:
        self.operator = operator

    def source_of(self, job_id: str) -> JobSourceKind | None:
        record = self.operator.mirror.jobs.get(job_id)
        if record is None or self.operator.query.job(job_id) is None:
            return None
        return record.source.kind

    def origin_of(self, job_id: str) -> dict[str, str]:
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

    def put_api_auth_session(
        self, session_id: str, document: Any, *, create: bool
    ) -> AuthSessionDefinition:
        raise JobConflictError(READ_ONLY_SESSIONS)

    def delete_api_auth_session(self, session_id: str) -> None:
        raise JobConflictError(READ_ONLY_SESSIONS)

    def paused(self, job_id: str, paused: bool, note: str | None) -> None:
        """Written back to the Job's ``spec.suspend``: the resource stays the truth."""
        self.operator.write_suspend(job_id, paused, note)
