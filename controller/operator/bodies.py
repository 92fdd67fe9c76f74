"""The JobRun resources the operator creates, and how a JobRun resource maps to its engine ID.

A JobRun created by the operator is named after its engine ID (``jr_ab12`` -> ``jr-ab12``),
which an annotation records; a JobRun a person creates keeps its name, which is also its engine
ID. Pure: records in, resource bodies out.
"""

from __future__ import annotations

from typing import Any

from ..engine import JobRun, iso_ms
from ..vocabulary import API_VERSION, CREATED_BY_LABEL, ENGINE_ID_ANNOTATION, JOB_LABEL
from .status import kube_job_run_name


def engine_id(job_run: dict[str, Any]) -> str:
    annotations = job_run.get("metadata", {}).get("annotations") or {}
    return str(annotations.get(ENGINE_ID_ANNOTATION) or job_run["metadata"]["name"])


def job_run_body(job_run: JobRun, job_uid: str | None) -> dict[str, Any]:
    """The resource of a JobRun the engine created (a schedule tick, the REST API), owned by
    its Job's resource when that is known (``job_uid``)."""
    metadata: dict[str, Any] = {
        "name": kube_job_run_name(job_run.id),
        "labels": {JOB_LABEL: job_run.job_id, CREATED_BY_LABEL: "jobctl"},
        "annotations": {ENGINE_ID_ANNOTATION: job_run.id},
    }
    if job_uid:
        owner = {"apiVersion": API_VERSION, "kind": "Job", "name": job_run.job_id, "uid": job_uid}
        metadata["ownerReferences"] = [owner]
    spec: dict[str, Any] = {"jobRef": {"name": job_run.job_id}, "type": job_run.type}
    if job_run.scheduled_time is not None:
        spec["scheduledTime"] = iso_ms(job_run.scheduled_time)
    return {"apiVersion": API_VERSION, "kind": "JobRun", "metadata": metadata, "spec": spec}
