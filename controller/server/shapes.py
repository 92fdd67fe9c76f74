"""Engine records as API objects. Pure: records and ``now`` in, plain dicts out."""

from __future__ import annotations

from typing import Any

from ..engine import Identity, Job, JobRun, iso_ms


def job_run_object(job_run: JobRun, identity: Identity) -> dict[str, Any]:
    """The reference ``jobRun`` object. A JobRun canceled before it started reports its
    creation as ``start_time``, which the reference requires to be a timestamp."""
    return {
        "id": job_run.id,
        "start_time": iso_ms(job_run.start_time or job_run.created_at),
        "end_time": iso_ms(job_run.end_time),
        "workspace_id": identity.workspace_id,
        "project_id": identity.project_id,
        "job_id": job_run.job_id,
        "created_at": iso_ms(job_run.created_at),
        "updated_at": iso_ms(max(job_run.updated_at, job_run.created_at)),
        "type": job_run.type,
        "status": job_run.status,
        "payloads": job_run.payloads,
        "successful_runs": job_run.successful_runs,
        "failed_runs": job_run.failed_runs,
        "error": job_run.error,
        "reason": job_run.reason,
        "job_configuration_snapshot": job_run.snapshot,
    }


def job_object(job: Job, source: str, last: JobRun | None, identity: Identity) -> dict[str, Any]:
    return {
        "id": job.job_id,
        "source": source,
        "paused": job.paused,
        "definition": job.definition.canonical(),
        "nextRunTime": None if job.paused else iso_ms(job.next_due),
        "lastJobRun": None if last is None else job_run_object(last, identity),
    }


def error_body(
    code: str, message: str, correlation_id: str, *, category: str = "user"
) -> dict[str, Any]:
    return {
        "code": code,
        "category": category,
        "message": message,
        "retirable": False,
        "correlationId": correlation_id,
    }


def progress_object(job_run: JobRun) -> dict[str, Any]:
    """Counts for a progress bar. Ended Runs are counted from the JobRun's totals, so they stay
    right after the controller has let go of a finished JobRun's Runs."""
    unfinished = len(job_run.pending) + len(job_run.running)
    ended = job_run.successful_runs + job_run.failed_runs
    return {
        "id": job_run.id,
        "status": job_run.status,
        "payloads": job_run.payloads,
        "pending": len(job_run.pending),
        "running": len(job_run.running),
        "succeeded": job_run.successful_runs,
        "failed": job_run.failed_runs,
        "terminated": max(0, job_run.payloads - ended - unfinished),
    }
