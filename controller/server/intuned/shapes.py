"""Engine records as API objects. Pure: records and ``now`` in, plain dicts out."""

from __future__ import annotations

from typing import Any

from ...engine import Identity, Job, JobRun, Waiting, iso_ms
from ...vocabulary import JobSourceKind


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
        "job_configuration_snapshot": snapshot_object(job_run.snapshot),
        **({"rerunOf": job_run.rerun_of} if job_run.rerun_of else {}),
        **({"scheduled_time": iso_ms(job_run.scheduled_time)} if job_run.scheduled_time else {}),
    }


REFERENCE_CONFIGURATION = ("retry", "maxConcurrentRequests", "requestTimeout", "maxRuns", "proxy")
SNAPSHOT_PARTS = ("sink", "auth_session", "proxy", "notifications")


def snapshot_object(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The JobRun's configuration snapshot in the reference's shape: its configuration and
    parts, null where absent; jobctl's own settings (schedule, isolation, trace, ...) under
    ``jobctl``. The payload is left out: it is the JobRun's Runs, and may be very long."""
    configuration = snapshot["configuration"]
    shaped: dict[str, Any] = {
        "configuration": {
            k: configuration[k] for k in REFERENCE_CONFIGURATION if k in configuration
        },
        **{part: snapshot.get(part) or None for part in SNAPSHOT_PARTS},
    }
    extensions = {k: v for k, v in configuration.items() if k not in REFERENCE_CONFIGURATION}
    jobctl = {"schedule": snapshot.get("schedule"), "configuration": extensions}
    if any(jobctl.values()):
        shaped["jobctl"] = {k: v for k, v in jobctl.items() if v}
    return shaped


def job_object(
    job: Job, source: JobSourceKind, last: JobRun | None, identity: Identity
) -> dict[str, Any]:
    """A Job as Intuned lists it: the canonical definition's parts (secrets masked), its state
    and times; ``last`` is its newest JobRun."""
    definition = job.definition.canonical()
    note = job.pause_note or "the Job is paused"
    paused_reason = {"type": "paused", "message": f"{note}; resume it to run it again"}
    return {
        "id": job.job_id,
        "workspace_id": identity.workspace_id,
        "project_id": identity.project_id,
        "configuration": definition["configuration"],
        "payload": definition["payload"],
        "sink": definition.get("sink"),
        "schedule": definition.get("schedule"),
        "next_run_time": None if job.paused else iso_ms(job.next_due),
        "last_run_time": None if last is None else iso_ms(last.created_at),
        "created_at": iso_ms(job.first_seen),
        "auth_session": definition.get("auth_session"),
        "notifications": definition.get("notifications"),
        "proxy": definition.get("proxy"),
        "reason": paused_reason if job.paused else None,
        "state": "PAUSED" if job.paused else "ACTIVE",
        "schedule_id": None,
        "source": "API" if source == "api" else "CODE",
    }


def job_details_object(listed: dict[str, Any], identity: Identity) -> dict[str, Any]:
    """One Job as Intuned's Get Job returns it: the listed fields, with the project also as
    ``projectId`` and the proxy as its (masked) URL."""
    proxy = listed["proxy"]
    return {**listed, "projectId": identity.project_id, "proxy": proxy["url"] if proxy else None}


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


def waiting_object(waiting: Waiting | None) -> dict[str, Any] | None:
    if waiting is None:
        return None
    found = {"reason": waiting.reason, "message": waiting.message}
    return found if waiting.position is None else {**found, "position": waiting.position}


def progress_object(job_run: JobRun, waiting: Waiting | None = None) -> dict[str, Any]:
    """Counts for a progress bar, and why its pending Runs wait. Ended Runs are counted from
    the JobRun's totals, so they stay right after the controller has let go of a finished
    JobRun's Runs."""
    unfinished = job_run.pending_count + len(job_run.running)
    ended = job_run.successful_runs + job_run.failed_runs
    return {
        "id": job_run.id,
        "status": job_run.status,
        "payloads": job_run.payloads,
        "pending": job_run.pending_count,
        "running": len(job_run.running),
        "succeeded": job_run.successful_runs,
        "failed": job_run.failed_runs,
        "terminated": max(0, job_run.payloads - ended - unfinished),
        "waitingFor": waiting_object(waiting),
    }
