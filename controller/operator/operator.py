"""The Kubernetes operator: Job resources in, JobRun resources, Pods and statuses out.

It is the embedded controller with other edges: Job definitions come from ``Job`` resources
(kopf handlers), attempts run as Pods (``KubeLauncher``), and after every saved pass the JobRuns
and Jobs it touched are projected onto their resources' status, one write per object per pass
(``StatusWriter``). The engine's state stays in its SQLite store (a PersistentVolume in a
cluster), so a restarted operator resumes where it was; scheduled JobRuns have deterministic
names, so a tick is never run twice even if the operator dies between saving a JobRun and
creating its resource (the resource is created on restart).

Names: a Job resource's name is its Job ID; JobRuns are named as ``bodies`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from kubernetes.client import CoreV1Api, CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..embedded import EmbeddedController
from ..engine import AttemptEvent, AttemptRequest, Changes, JobRun, NotFoundError
from ..spec import (
    AuthSessionDefinition,
    JobDefinition,
    ResourceSpecError,
    SecretLookup,
    parse_resource_spec,
)
from ..spec.kube import JobSourceInfo
from ..vocabulary import API_VERSION, GROUP, VERSION
from .bodies import CREATED_BY, engine_id, job_run_body
from .events import EventPoster
from .job_objects import delete_children, patch_suspend
from .secrets import SecretReader
from .status import (
    job_run_status,
    job_source,
    job_status,
    kube_job_run_name,
    not_triggered_status,
    validity_status,
)
from .writer import StatusWriter

RESULTS_WAIT_S = 1.0
RESULTS_WAITS = 30

CLUSTER_ONLY_KEYS = ("suspend", "worker")
"""Keys of a Job resource's spec that are not part of the job definition."""


@dataclass(frozen=True)
class _Definition:
    body: dict[str, Any]
    secrets: set[str]
    """Names of the Secrets its spec reads: a change to one of them parses it again."""


class Operator:
    def __init__(
        self,
        controller: EmbeddedController,
        core: CoreV1Api,
        custom: CustomObjectsApi,
        namespace: str,
    ) -> None:
        self.controller = controller
        self.core = core
        self.custom = custom
        self.namespace = namespace
        self.writer = StatusWriter(custom, namespace, controller.say)
        self.events = EventPoster(core, namespace, controller.clock)
        self.uids: dict[str, str] = {}
        """JobRun engine ID -> resource UID (for Pods' ownerReferences)."""
        self.run_generations: dict[str, int] = {}
        """JobRun engine ID -> its resource's ``metadata.generation`` (the status observes it)."""
        self.job_uids: dict[str, str] = {}
        self.generations: dict[str, int] = {}
        self.workers: dict[str, dict[str, Any]] = {}
        """Job -> its ``spec.worker`` Pod settings."""
        self.conditions: dict[str, list[dict[str, Any]]] = {}
        self.sources: dict[str, JobSourceInfo] = {}
        self.file_problem: dict[str, str] = {}
        """Job -> the problem of its (synced) file; the Job runs its last good version."""
        self.spec_problem: dict[tuple[str, str], str] = {}
        """(plural, name) -> why that resource's spec cannot be used (e.g. a missing Secret); a
        Job keeps running its last good version meanwhile."""
        self._known_crs: set[str] = set()
        self._results_waits: dict[str, int] = {}
        self._announced: dict[str, str] = {}
        """JobRun ID -> the status last announced by an Event."""
        self.secrets = SecretReader(core, namespace)
        self.definitions: dict[tuple[str, str], _Definition] = {}
        """(plural, name) of each Job and AuthSession resource -> its body and Secrets used."""
        controller.observers.append(self)

    # ------------------------------------------------------------------ startup
    async def sync(self) -> None:
        """Apply every existing Job, forget Jobs that are gone, create missing JobRun resources."""
        jobs = await asyncio.to_thread(
            self.custom.list_namespaced_custom_object, GROUP, VERSION, self.namespace, "jobs"
        )
        for item in jobs["items"]:
            await self.job_changed(item["metadata"]["name"], item)
        self.controller.initial_sync_done()
        runs = await asyncio.to_thread(
            self.custom.list_namespaced_custom_object, GROUP, VERSION, self.namespace, "jobruns"
        )
        for item in runs["items"]:
            self._known_crs.add(engine_id(item))
            self._remember_job_run(item)
        for job_run in list(self.controller.engine.job_runs.values()):
            await self._ensure_resource(job_run)

    # ------------------------------------------------------------------ Jobs
    async def job_changed(self, name: str, body: dict[str, Any]) -> None:
        """A Job resource was created or changed (or a Secret it reads). A spec the operator
        cannot use is reported on the resource while its last good version keeps running."""
        spec = body.get("spec") or {}
        self.workers[name] = spec.get("worker") or {}
        self.job_uids[name] = body["metadata"]["uid"]
        self.generations[name] = body["metadata"].get("generation") or 0
        self.conditions[name] = (body.get("status") or {}).get("conditions") or []
        self.sources[name] = job_source(body["metadata"])
        lookup = await self._remember("jobs", name, body)
        try:
            definition = parse_resource_spec(
                JobDefinition, spec, secrets=lookup, ignore=CLUSTER_ONLY_KEYS
            )
        except ResourceSpecError as exc:
            self._spec_error("jobs", "Job", body, str(exc))
            return
        self.spec_problem.pop(("jobs", name), None)
        self.controller.apply_definition(name, definition)
        job = self.controller.engine.jobs[name]
        if bool(spec.get("suspend")) != job.paused:
            (self.controller.pause if spec.get("suspend") else self.controller.resume)(name)
        self._mark_job(name)

    async def auth_session_changed(self, name: str, body: dict[str, Any]) -> None:
        lookup = await self._remember("authsessions", name, body)
        generation = body["metadata"].get("generation")
        try:
            session = parse_resource_spec(
                AuthSessionDefinition, body.get("spec") or {}, secrets=lookup
            )
            if session.id not in (None, name):
                raise ResourceSpecError([f"spec.id {session.id!r} must equal metadata.name"])
        except ResourceSpecError as exc:
            self._spec_error("authsessions", "AuthSession", body, str(exc))
            return
        self.spec_problem.pop(("authsessions", name), None)
        self.controller.apply_auth_session(name, session)
        previous = (body.get("status") or {}).get("conditions") or []
        status = validity_status(
            None,
            valid="the operator holds this version",
            generation=generation,
            previous=previous,
            now=self.controller.clock(),
        )
        self.writer.mark("authsessions", name, lambda: status)

    def auth_session_deleted(self, name: str) -> None:
        self.definitions.pop(("authsessions", name), None)
        self.spec_problem.pop(("authsessions", name), None)
        self.controller.remove_auth_session(name)

    def file_problems(self, problems: dict[str, str]) -> None:
        """The repo sync's verdict on every job file: report what became invalid or valid."""
        for job_id in sorted(set(self.file_problem) | set(problems)):
            problem = problems.get(job_id)
            if self.file_problem.get(job_id) == problem:
                continue
            if problem is None:
                del self.file_problem[job_id]
            else:
                self.file_problem[job_id] = problem
            if job_id in self.controller.engine.jobs:
                self._mark_job(job_id)
                if problem is not None:
                    text = self.controller.redactor.redact(
                        f"{problem}; the last valid version keeps running"
                    )
                    asyncio.get_running_loop().create_task(
                        self.events.post(
                            "Job",
                            job_id,
                            self.job_uids.get(job_id),
                            "SpecError",
                            text,
                            warning=True,
                        )
                    )

    def write_suspend(self, job_id: str, suspend: bool) -> None:
        """Record a pause or resume made elsewhere (the REST API) on the Job's spec."""
        patch = patch_suspend(self.custom, self.namespace, job_id, suspend)
        asyncio.get_running_loop().create_task(patch)

    def invalid_definitions(self) -> int:
        """Job and AuthSession resources or files that cannot be used now (for metrics)."""
        return len(set(self.spec_problem) | {("jobs", j) for j in self.file_problem})

    def uses_secret(self, secret: str) -> bool:
        return any(secret in d.secrets for d in self.definitions.values())

    async def secret_changed(self, secret: str) -> None:
        """Definitions take Secret values when parsed: parse again those that read this one."""
        for (plural, name), known in list(self.definitions.items()):
            if secret in known.secrets:
                self.controller.say(f"Secret {secret} changed: reading {plural}/{name} again")
                if plural == "jobs":
                    await self.job_changed(name, known.body)
                else:
                    await self.auth_session_changed(name, known.body)

    async def _remember(self, plural: str, name: str, body: dict[str, Any]) -> SecretLookup:
        lookup, secrets = await self.secrets.lookup_for(body.get("spec") or {})
        self.definitions[(plural, name)] = _Definition(body, secrets)
        return lookup

    def _spec_error(self, plural: str, kind: str, body: dict[str, Any], problem: str) -> None:
        metadata = body["metadata"]
        text = self.controller.redactor.redact(problem)
        self.controller.say(f"{kind} {metadata['name']}: invalid: {text}")
        self.spec_problem[(plural, metadata["name"])] = text
        if plural == "jobs" and metadata["name"] in self.controller.engine.jobs:
            self._mark_job(metadata["name"])  # the full status says so from now on
        else:
            previous = (body.get("status") or {}).get("conditions") or []
            status = validity_status(
                text,
                valid="",
                generation=metadata.get("generation"),
                previous=previous,
                now=self.controller.clock(),
            )
            self.writer.mark(plural, metadata["name"], lambda: status)
        asyncio.get_running_loop().create_task(
            self.events.post(
                kind, metadata["name"], metadata.get("uid"), "SpecError", text, warning=True
            )
        )

    async def job_deleted(self, name: str) -> None:
        """Terminate its JobRuns, then remove their resources (the operator's and any a person
        created for it) and Pods: no garbage collector can be assumed to do it."""
        self.definitions.pop(("jobs", name), None)
        self.spec_problem.pop(("jobs", name), None)
        self.controller.remove_definition(name)
        await delete_children(self.core, self.custom, self.namespace, name)

    # --------------------------------------------------------------- JobRuns
    def job_run_created(self, body: dict[str, Any], *, last_try: bool) -> str | None:
        """A JobRun resource appeared. One a person created triggers its Job. Raises
        ``NotFoundError`` while its Job is unknown (the two are often applied together, and
        their events may arrive in either order) unless this is the ``last_try``."""
        labels = body["metadata"].get("labels") or {}
        identifier = engine_id(body)
        self._remember_job_run(body)
        self._known_crs.add(identifier)
        if labels.get(CREATED_BY) == "jobctl":
            return None
        job_name = (body.get("spec") or {}).get("jobRef", {}).get("name", "")
        if job_name not in self.controller.engine.jobs and not last_try:
            raise NotFoundError(f"no job {job_name!r} (yet)")
        try:
            job_run = self.controller.trigger(job_name, job_run_id=identifier)
        except Exception as exc:  # an unknown or paused Job: say so on the resource
            message = str(exc)
            status = not_triggered_status(
                message, generation=body["metadata"].get("generation"), now=self.controller.clock()
            )
            self.writer.mark("jobruns", body["metadata"]["name"], lambda: status)
            return message
        self._mark_job_run(job_run)
        return None

    def terminate_requested(self, body: dict[str, Any]) -> None:
        self._remember_job_run(body)
        with contextlib.suppress(Exception):
            self.controller.terminate(engine_id(body))
        job_run = self.controller.engine.job_runs.get(engine_id(body))
        if job_run is not None:  # a JobRun that had ended still observes the new generation
            self._mark_job_run(job_run)

    def _remember_job_run(self, body: dict[str, Any]) -> None:
        identifier, metadata = engine_id(body), body["metadata"]
        self.uids[identifier] = metadata["uid"]
        self.run_generations[identifier] = metadata.get("generation") or 1

    async def _ensure_resource(self, job_run: JobRun) -> None:
        if job_run.id in self._known_crs:
            return
        self._known_crs.add(job_run.id)
        body = job_run_body(job_run, self.job_uids.get(job_run.job_id))
        try:
            created = await asyncio.to_thread(
                self.custom.create_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                "jobruns",
                body,
            )
            self._remember_job_run(created)
        except ApiException as exc:
            if exc.status != 409:
                self._known_crs.discard(job_run.id)
                raise
        self._mark_job_run(job_run)

    def worker_of(self, job_id: str) -> dict[str, Any] | None:
        return self.workers.get(job_id)

    def owner_of(self, request: AttemptRequest) -> dict[str, Any] | None:
        uid = self.uids.get(request.job_run_id)
        if uid is None:
            return None
        return {
            "apiVersion": API_VERSION,
            "kind": "JobRun",
            "name": kube_job_run_name(request.job_run_id),
            "uid": uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }

    # ------------------------------------------------------------- projection
    def observe_event(self, event: AttemptEvent, now: int) -> None:
        return

    def observe_changes(self, changes: Changes) -> None:
        for pruned in changes.pruned_job_runs:
            for known in (self.uids, self.run_generations, self._announced, self._results_waits):
                known.pop(pruned.id, None)
            self._known_crs.discard(pruned.id)
        for job_run in changes.new_job_runs:
            if job_run.id not in self._known_crs:
                asyncio.get_running_loop().create_task(self._ensure_resource(job_run))
        for job_run in changes.job_runs:
            self._mark_job_run(job_run)
            self._mark_job(job_run.job_id)
        for job in changes.jobs:
            self._mark_job(job.job_id)

    def _mark_job_run(self, job_run: JobRun) -> None:
        identifier = job_run.id
        if self._announced.get(identifier) != job_run.status:
            self._announced[identifier] = job_run.status
            asyncio.get_running_loop().create_task(
                self.events.job_run(job_run, self.uids.get(job_run.id), self.controller.redactor)
            )

        def status() -> dict[str, Any] | None:
            current = self.controller.engine.job_runs.get(identifier)
            if current is None:
                return None
            results = self.controller.store.deliveries.results_object(identifier)
            waits = self._results_waits.get(identifier, 0)
            if results is None and not current.active and waits < RESULTS_WAITS:
                # The results file is stored by the deliverer after the JobRun ends, with no
                # engine pass to announce it: look again shortly.
                self._results_waits[identifier] = waits + 1
                loop = asyncio.get_running_loop()
                loop.call_later(RESULTS_WAIT_S, self._mark_job_run, current)
            return job_run_status(current, results, generation=self.run_generations.get(identifier))

        self.writer.mark("jobruns", kube_job_run_name(identifier), status)

    def _mark_job(self, job_id: str) -> None:
        def status() -> dict[str, Any] | None:
            job = self.controller.engine.jobs.get(job_id)
            if job is None:
                return None
            runs = [r for r in self.controller.engine.job_runs.values() if r.job_id == job_id]
            written = job_status(
                job,
                runs,
                generation=self.generations.get(job_id),
                previous=self.conditions.get(job_id, []),
                source=self.sources.get(job_id),
                problem=self.file_problem.get(job_id) or self.spec_problem.get(("jobs", job_id)),
                now=self.controller.clock(),
            )
            self.conditions[job_id] = written["conditions"]
            return written

        self.writer.mark("jobs", job_id, status)
