"""Job and JobRun resource statuses, projected from engine records. Pure: records and ``now`` in.

Counters only (no per-Run data), so a 10,000-item JobRun's status is a few hundred bytes.
Conditions keep their ``lastTransitionTime`` while their status does not change.
"""

from __future__ import annotations

from typing import Any

from ..engine import Job, JobRun, iso_ms
from ..launch.kube import kube_name
from ..spec.kube import (
    COMMIT_ANNOTATION,
    PATH_ANNOTATION,
    SOURCE_LABEL,
    AuthSessionStatus,
    Condition,
    JobRunReference,
    JobRunStatus,
    JobRunSummary,
    JobSourceInfo,
    JobStatus,
    ResultsReference,
)


def condition(
    previous: list[dict[str, Any]],
    kind: str,
    status: bool,
    *,
    reason: str,
    message: str = "",
    now: int,
    generation: int | None,
) -> Condition:
    value = "True" if status else "False"
    before = next((c for c in previous if c.get("type") == kind), None)
    since = before["lastTransitionTime"] if before and before.get("status") == value else None
    return Condition(
        type=kind,
        status=value,
        reason=reason,
        message=message,
        lastTransitionTime=since or iso_ms(now) or "",
        observedGeneration=generation,
    )


def job_run_status(job_run: JobRun, results: dict[str, Any] | None) -> dict[str, Any]:
    status = JobRunStatus(
        status=job_run.status,
        type=job_run.type,
        startTime=iso_ms(job_run.start_time),
        endTime=iso_ms(job_run.end_time),
        payloads=job_run.payloads,
        successfulRuns=job_run.successful_runs,
        failedRuns=job_run.failed_runs,
        pendingRuns=len(job_run.pending),
        runningRuns=len(job_run.running),
        reason=job_run.reason,
        error=job_run.error,
        results=None if results is None else ResultsReference(
            key=results["key"], size=results.get("size")),
    )  # fmt: skip
    return status.model_dump(mode="json", exclude_none=True)


def job_status(
    job: Job,
    runs: list[JobRun],
    *,
    generation: int | None,
    previous: list[dict[str, Any]],
    source: JobSourceInfo | None,
    problem: str | None = None,
    now: int,
) -> dict[str, Any]:
    """``runs``: this Job's JobRuns, any order. ``problem``: why its file or spec cannot be
    used (it runs its last valid version meanwhile)."""
    ordered = sorted(runs, key=lambda r: (r.created_at, r.id))
    active = [r for r in ordered if r.active]
    last = ordered[-1] if ordered else None

    paused = job.paused
    conditions = [
        *validity(previous, problem, valid="the Job is valid", now=now, generation=generation),
        condition(previous, "Suspended", paused, reason="Suspended" if paused else "Active",
                  message="no new JobRuns until resumed" if paused else "", now=now,
                  generation=generation),
    ]  # fmt: skip
    status = JobStatus(
        observedGeneration=generation,
        conditions=conditions,
        lastScheduleTime=iso_ms(job.last_tick),
        nextScheduleTime=None if job.paused else iso_ms(job.next_due),
        active=[JobRunReference(name=kube_job_run_name(r.id)) for r in active],
        lastJobRun=None if last is None else JobRunSummary(
            name=kube_job_run_name(last.id), status=last.status,
            startTime=iso_ms(last.start_time), endTime=iso_ms(last.end_time),
            successfulRuns=last.successful_runs, failedRuns=last.failed_runs),
        source=source,
    )  # fmt: skip
    return status.model_dump(mode="json", exclude_none=True)


def job_source(metadata: dict[str, Any]) -> JobSourceInfo:
    """Where a Job resource is defined: ``code`` (a job file synced from git, labelled and
    annotated by whoever applied it) or ``api`` (anything else: kubectl, the REST API)."""
    if (metadata.get("labels") or {}).get(SOURCE_LABEL) != "code":
        return JobSourceInfo(kind="api")
    annotations = metadata.get("annotations") or {}
    return JobSourceInfo(kind="code", path=annotations.get(PATH_ANNOTATION),
                         commit=annotations.get(COMMIT_ANNOTATION))  # fmt: skip


def validity(
    previous: list[dict[str, Any]],
    problem: str | None,
    *,
    valid: str,
    now: int,
    generation: int | None,
) -> list[Condition]:
    """``Ready`` and ``SpecError``: ready (saying ``valid``), or not, because of ``problem``."""

    def make(kind: str, value: bool, reason: str, message: str = "") -> Condition:
        return condition(previous, kind, value, reason=reason, message=message, now=now,
                         generation=generation)  # fmt: skip

    if problem is None:
        return [make("Ready", True, "Valid", valid), make("SpecError", False, "Valid")]
    return [make("Ready", False, "SpecError", problem), make("SpecError", True, "Invalid", problem)]


def validity_status(
    problem: str | None,
    *,
    valid: str,
    generation: int | None,
    previous: list[dict[str, Any]],
    now: int,
) -> dict[str, Any]:
    """The status of a resource that is only valid or not (an AuthSession; a Job whose spec
    cannot be used, while its last good version keeps running)."""
    conditions = validity(previous, problem, valid=valid, now=now, generation=generation)
    return AuthSessionStatus(observedGeneration=generation, conditions=conditions).model_dump(
        mode="json", exclude_none=True
    )


kube_job_run_name = kube_name
"""JobRun engine IDs as resource names (the launcher's mapping, so Pod labels match)."""
