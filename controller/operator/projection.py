"""The engine's changes projected onto resources: an ``Observer`` of the runtime that marks each
changed JobRun's and Job's status for the ``StatusWriter`` (written after the pass is saved, one
write per object per flush), creates the JobRun resources the engine's JobRuns lack and posts
an Event when a JobRun's status changes.

A status is computed when it is written, not when marked (``writer.mark`` takes a function), so
a burst of passes writes each object once with its latest state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from kubernetes.client import CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..engine import AttemptEvent, Changes, JobRun, direct_kind
from ..runtime import Runtime
from ..vocabulary import GROUP, VERSION
from .bodies import job_run_body
from .events import EventPoster
from .mirror import Mirror
from .status import job_run_status, job_status, kube_job_run_name
from .writer import StatusWriter


class Projection:
    def __init__(
        self,
        runtime: Runtime,
        *,
        mirror: Mirror,
        writer: StatusWriter,
        events: EventPoster,
        custom: CustomObjectsApi,
        namespace: str,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self.runtime, self.query, self.mirror = runtime, runtime.query, mirror
        self.writer, self.events, self.spawn = writer, events, spawn
        self.custom, self.namespace = custom, namespace

    def observe_event(self, event: AttemptEvent, now: int) -> None:
        return

    def observe_changes(self, changes: Changes) -> None:
        self.mark_waiting()
        for pruned in changes.pruned_job_runs:
            self.mirror.job_run_pruned(pruned.id)
        for job_run in changes.new_job_runs:
            if direct_kind(job_run.job_id) is not None:
                continue  # a direct Run or an AuthSession operation: the API's, no resource
            if not self.mirror.job_run(job_run.id, job_run.job_id).has_resource:
                self.spawn(self.ensure_resource(job_run))
        for job_run in changes.job_runs:
            self.mark_job_run(job_run)
            self.mark_job(job_run.job_id)
        for job in changes.jobs:
            self.mark_job(job.job_id)

    def mark_waiting(self) -> None:
        """Active JobRuns whose reason to wait changed get their status written (it changes
        with other JobRuns' passes, not only with their own)."""
        waitings = self.query.waitings()
        for job_run in self.query.active_job_runs():
            record = self.mirror.job_runs.get(job_run.id)
            waiting = waitings.get(job_run.id)
            short = None if waiting is None else waiting.short()
            if record is not None and record.waiting != short:
                record.waiting = short
                self.mark_job_run(job_run)

    def mark_job_run(self, job_run: JobRun) -> None:
        identifier = job_run.id
        record = self.mirror.job_runs.get(identifier)
        if record is None:
            return  # pruned: its resource is no longer written
        if record.announced != job_run.status:
            record.announced = job_run.status
            self.spawn(self.events.job_run(job_run, record.uid, self.runtime.redactor))

        def status() -> dict[str, Any] | None:
            current, known = self.query.job_run(identifier), self.mirror.job_runs.get(identifier)
            if current is None or known is None:
                return None
            results = self.query.results_object(identifier)
            waiting = self.query.waiting(identifier)
            short = None if waiting is None else waiting.short()
            return job_run_status(current, results, generation=known.generation, waiting=short)

        self.writer.mark("jobruns", kube_job_run_name(identifier), status)

    def mark_job(self, job_id: str) -> None:
        def status() -> dict[str, Any] | None:
            job, record = self.query.job(job_id), self.mirror.jobs.get(job_id)
            if job is None or record is None:
                return None
            problem = self.mirror.file_problems.get(job_id)
            written = job_status(
                job,
                self.query.job_runs(job_id),
                generation=record.generation,
                previous=record.conditions,
                source=record.source,
                problem=problem or self.mirror.spec_problems.get(("jobs", job_id)),
                now=self.runtime.clock(),
            )
            record.conditions = written["conditions"]
            return written

        self.writer.mark("jobs", job_id, status)

    async def ensure_resource(self, job_run: JobRun) -> None:
        """The JobRun's resource, created unless it exists (a JobRun the engine made: a
        schedule's tick, a trigger, a rerun), then its status marked."""
        record = self.mirror.job_run(job_run.id, job_run.job_id)
        if record.has_resource:
            return
        record.has_resource = True
        job = self.mirror.jobs.get(job_run.job_id)
        body = job_run_body(job_run, job.uid if job else None)
        try:
            created = await asyncio.to_thread(
                self.custom.create_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                "jobruns",
                body,
            )
        except ApiException as exc:
            if exc.status != 409:
                record.has_resource = False
                raise
        else:
            held = self.query.job_run(job_run.id) is not None  # not pruned meanwhile
            if held and job_run.job_id in self.mirror.jobs:  # nor its Job deleted
                self.mirror.job_run_resource_seen(job_run.id, created)
        self.mark_job_run(job_run)
