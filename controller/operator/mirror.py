"""What the operator knows of the objects it mirrors: one record per object, with a lifecycle.

A record is created when its object appears (a Job or AuthSession resource is seen, a JobRun is
created by the engine or found as a resource) and removed when it goes (the resource is deleted,
the engine prunes the JobRun past the history limit, or its Job is deleted). So the operator's
memory is bounded by what exists, however long it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine import AttemptRequest
from ..spec.kube import JobSourceInfo
from ..vocabulary import API_VERSION, JobRunStatus
from .status import kube_job_run_name

Key = tuple[str, str]
"""(plural, name) of a Job or AuthSession resource."""


@dataclass
class JobRecord:
    uid: str
    generation: int
    source: JobSourceInfo
    worker: dict[str, Any] = field(default_factory=dict)
    """The Job's ``spec.worker`` Pod settings."""
    conditions: list[dict[str, Any]] = field(default_factory=list)
    """The conditions last written (their transition times carry over)."""


@dataclass
class JobRunRecord:
    job_id: str
    uid: str | None = None
    """The resource's UID (for Pods' ownerReferences), once the resource is known."""
    generation: int = 1
    """The resource's ``metadata.generation`` (the status observes it)."""
    has_resource: bool = False
    announced: JobRunStatus | None = None
    """The status last announced by an Event."""
    waiting: str | None = None
    """Why its pending Runs waited when its status was last marked (``status.waitingFor``)."""


@dataclass(frozen=True)
class DefinitionRecord:
    body: dict[str, Any]
    secrets: frozenset[str]
    """Names of the Secrets its spec reads: a change to one of them parses it again."""


class Mirror:
    def __init__(self) -> None:
        self.jobs: dict[str, JobRecord] = {}
        self.job_runs: dict[str, JobRunRecord] = {}
        """By engine JobRun ID."""
        self.definitions: dict[Key, DefinitionRecord] = {}
        self.spec_problems: dict[Key, str] = {}
        """Why a resource's spec cannot be used (e.g. a missing Secret); a Job keeps running
        its last good version meanwhile."""
        self.file_problems: dict[str, str] = {}
        """Job -> the problem of its synced file (replaced as a whole by each sync pass)."""

    # ---------------------------------------------------------------- Jobs
    def job_seen(self, name: str, body: dict[str, Any], source: JobSourceInfo) -> None:
        metadata, spec = body["metadata"], body.get("spec") or {}
        record = self.jobs.get(name)
        conditions = (body.get("status") or {}).get("conditions") or []
        if record is None:
            record = self.jobs[name] = JobRecord(metadata["uid"], 0, source, conditions=conditions)
        record.uid, record.source = metadata["uid"], source
        record.generation = metadata.get("generation") or 0
        record.worker = spec.get("worker") or {}

    def resource_gone(self, key: Key) -> None:
        """A Job or AuthSession resource was deleted: forget it, and a Job's JobRuns."""
        self.definitions.pop(key, None)
        self.spec_problems.pop(key, None)
        plural, name = key
        if plural == "jobs":
            self.jobs.pop(name, None)
            for job_run_id in [i for i, r in self.job_runs.items() if r.job_id == name]:
                del self.job_runs[job_run_id]

    def definition_read(self, key: Key, body: dict[str, Any], secrets: frozenset[str]) -> None:
        self.definitions[key] = DefinitionRecord(body, secrets)

    def spec_invalid(self, key: Key, problem: str) -> None:
        self.spec_problems[key] = problem

    def spec_valid(self, key: Key) -> None:
        self.spec_problems.pop(key, None)

    def file_problems_changed(self, problems: dict[str, str]) -> list[str]:
        """The repo sync's verdict on every job file replaces the last one; the Jobs whose
        problem changed (appeared, went or is another), sorted."""
        changed = sorted(
            job_id
            for job_id in set(self.file_problems) | set(problems)
            if self.file_problems.get(job_id) != problems.get(job_id)
        )
        self.file_problems = dict(problems)
        return changed

    def invalid(self) -> int:
        """Job and AuthSession resources or files that cannot be used now."""
        return len(set(self.spec_problems) | {("jobs", j) for j in self.file_problems})

    # ------------------------------------------------------------- JobRuns
    def job_run(self, job_run_id: str, job_id: str) -> JobRunRecord:
        record = self.job_runs.get(job_run_id)
        if record is None:
            record = self.job_runs[job_run_id] = JobRunRecord(job_id)
        return record

    def job_run_resource_seen(self, job_run_id: str, body: dict[str, Any]) -> JobRunRecord:
        job_id = ((body.get("spec") or {}).get("jobRef") or {}).get("name", "")
        record = self.job_run(job_run_id, job_id)
        metadata = body["metadata"]
        record.uid, record.has_resource = metadata["uid"], True
        record.generation = metadata.get("generation") or 1
        return record

    def job_run_pruned(self, job_run_id: str) -> None:
        self.job_runs.pop(job_run_id, None)

    # -------------------------------------------------- what Pods are given
    def owner_of(self, request: AttemptRequest) -> dict[str, Any] | None:
        """The ownerReference of an attempt's Pod: its JobRun resource, when known."""
        record = self.job_runs.get(request.job_run_id)
        if record is None or record.uid is None:
            return None
        return {
            "apiVersion": API_VERSION,
            "kind": "JobRun",
            "name": kube_job_run_name(request.job_run_id),
            "uid": record.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def worker_of(self, job_id: str) -> dict[str, Any] | None:
        record = self.jobs.get(job_id)
        return None if record is None else record.worker
