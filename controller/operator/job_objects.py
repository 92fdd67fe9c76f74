"""Writes to a Job resource and to what belongs to it in the cluster, beyond its status."""

from __future__ import annotations

import asyncio
import contextlib

from kubernetes.client import CoreV1Api, CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..vocabulary import GROUP, JOB_LABEL, VERSION


async def delete_children(
    core: CoreV1Api, custom: CustomObjectsApi, namespace: str, job_name: str
) -> None:
    """Remove the Job's attempt Pods and JobRun resources (the operator's and any a person
    created for it): no garbage collector can be assumed to do it. Each removal may fail alone
    (already gone, say) without stopping the others."""
    with contextlib.suppress(ApiException):
        await asyncio.to_thread(
            core.delete_collection_namespaced_pod,
            namespace,
            label_selector=f"{JOB_LABEL}={job_name}",
            grace_period_seconds=5,
        )
    try:
        runs = await asyncio.to_thread(
            custom.list_namespaced_custom_object, GROUP, VERSION, namespace, "jobruns"
        )
    except ApiException:  # the JobRun CRD deleted with the Jobs': nothing left to remove
        return
    for item in runs["items"]:
        if (item.get("spec") or {}).get("jobRef", {}).get("name") == job_name:
            with contextlib.suppress(ApiException):
                await asyncio.to_thread(
                    custom.delete_namespaced_custom_object,
                    GROUP,
                    VERSION,
                    namespace,
                    "jobruns",
                    item["metadata"]["name"],
                )


async def patch_suspend(
    custom: CustomObjectsApi, namespace: str, job_id: str, suspend: bool, note: str | None
) -> None:
    """Record a pause or resume made elsewhere (the REST API) on the Job's spec; a Job that
    is gone has nothing to record."""
    with contextlib.suppress(ApiException):
        await asyncio.to_thread(
            custom.patch_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            "jobs",
            job_id,
            {"spec": {"suspend": suspend, "suspendNote": note if suspend else None}},
        )
