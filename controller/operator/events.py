"""Kubernetes Events on the operator's resources: what ``kubectl describe`` shows a person."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from kubernetes.client import CoreV1Api

from ..engine import JobRun, iso_ms
from ..spec import Redactor
from ..vocabulary import API_VERSION
from .status import kube_job_run_name


class EventPoster:
    def __init__(self, core: CoreV1Api, namespace: str, clock: Callable[[], int]) -> None:
        self.core = core
        self.namespace = namespace
        self.clock = clock

    async def post(
        self, kind: str, name: str, uid: str | None, reason: str, text: str, *, warning: bool
    ) -> None:
        """Failures to post are not worth failing anything for."""
        stamp = iso_ms(self.clock())
        event = {
            "metadata": {"generateName": f"{name}.", "namespace": self.namespace},
            "involvedObject": {
                "apiVersion": API_VERSION,
                "kind": kind,
                "name": name,
                "namespace": self.namespace,
                "uid": uid,
            },
            "reason": reason,
            "message": text[:1024],
            "type": "Warning" if warning else "Normal",
            "source": {"component": "jobctl-operator"},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.core.create_namespaced_event, self.namespace, event)

    async def job_run(self, job_run: JobRun, uid: str | None, redactor: Redactor) -> None:
        """An Event on the JobRun resource for each status it reaches (what ``kubectl
        describe`` shows a person)."""
        text = f"JobRun {job_run.status}: {job_run.summary}"
        if job_run.reason:
            text += f"; {job_run.reason['type']}: {job_run.reason['message']}"
        await self.post(
            "JobRun",
            kube_job_run_name(job_run.id),
            uid,
            job_run.status.title(),
            redactor.redact(text),
            warning=job_run.status in ("FAILURE", "PAUSED"),
        )
