"""The Kubernetes operator: Job resources in, JobRun resources, Pods and statuses out.

It is the runtime with other edges: Job definitions come from ``Job`` resources (kopf handlers
parse them and hand them to the runtime), attempts run as Pods (``KubeLauncher``), and after
every saved pass the JobRuns and Jobs it touched are projected onto their resources' status, one
write per object per pass (``StatusWriter``). The engine's state stays in its store (SQLite on a
PersistentVolume, or PostgreSQL), so a restarted operator resumes where it was; scheduled JobRuns
have deterministic names, so a tick is never run twice even if the operator dies between saving
a JobRun and creating its resource (the resource is created on restart).

Where a JobRun's status is written to its resource: ``Projection.observe_changes`` (every saved
pass, ``projection.py``) -> ``mark_job_run`` -> ``StatusWriter.mark`` with
``status.job_run_status``; a Job's likewise through ``mark_job`` and ``status.job_status``. What
the operator remembers of each object is in ``Mirror`` (one record per object, removed when the
object goes). This class handles what kopf reports: resources changed, created, deleted.

Names: a Job resource's name is its Job ID; JobRuns are named as ``bodies`` says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from kubernetes.client import CoreV1Api, CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..engine import EngineError, NotFoundError, direct_kind
from ..runtime import DefinitionTarget, Runtime
from ..spec import (
    AuthSessionDefinition,
    JobDefinition,
    ResourceSpecError,
    SecretLookup,
    parse_resource_spec,
)
from ..vocabulary import CREATED_BY_LABEL, GROUP, VERSION, WarningReason
from .bodies import engine_id
from .definitions import ResourceDefinitions, suspension
from .events import EventPoster
from .job_objects import delete_children, patch_suspend
from .mirror import Key, Mirror
from .projection import Projection
from .requests import backfill_requested, rerun_requested
from .secrets import SecretReader
from .status import job_source, validity_status
from .writer import StatusWriter

CLUSTER_ONLY_KEYS = ("suspend", "suspendNote", "worker")
"""Keys of a Job resource's spec that are not part of the job definition."""
CRD_WAIT_S = 5.0
"""How often a missing CRD (or namespace) is looked for again at start-up."""


class Operator:
    def __init__(
        self,
        runtime: Runtime,
        *,
        mirror: Mirror,
        definitions: ResourceDefinitions,
        core: CoreV1Api,
        custom: CustomObjectsApi,
        namespace: str,
    ) -> None:
        self.runtime = runtime
        self.query = runtime.query
        self.mirror = mirror
        self.definitions = definitions
        self.core = core
        self.custom = custom
        self.namespace = namespace
        self.writer = StatusWriter(custom, namespace, runtime.say)
        self.events = EventPoster(core, namespace, runtime.clock)
        self.secrets = SecretReader(core, namespace)
        self._tasks: set[asyncio.Task[None]] = set()
        """Writes and Events started from handlers and passes (held until they end)."""
        self.projection = Projection(
            runtime,
            mirror=mirror,
            writer=self.writer,
            events=self.events,
            custom=custom,
            namespace=namespace,
            spawn=self._spawn,
        )
        runtime.add_observer(self.projection)

    # ------------------------------------------------------------------ startup
    async def list_jobs(self) -> None:
        """Before the runtime starts: parse every Job resource for its first load."""
        jobs = await self._list("jobs")
        for item in jobs:
            name = item["metadata"]["name"]
            definition = await self._read_job(name, item)
            if definition is not None:
                self.definitions.initial[name] = (definition, suspension(item))

    async def sync(self) -> None:
        """After the runtime has started: find the JobRun resources of the JobRuns it holds,
        create those that are missing, and write every Job's status. A JobRun whose Job is gone
        gets none: its resource went with the Job (and direct Runs never have one)."""
        for item in await self._list("jobruns"):
            identifier = engine_id(item)
            if self.query.job_run(identifier) is not None:
                self.mirror.job_run_resource_seen(identifier, item)
        for job_run in self.query.job_runs():
            known = self.query.job(job_run.job_id) is not None
            if known and direct_kind(job_run.job_id) is None:
                await self.projection.ensure_resource(job_run)
        for job_id in self.query.job_ids():
            self.projection.mark_job(job_id)

    async def resources_missing(self) -> bool:
        """Whether the CRD of a resource this operator serves (or its namespace) is gone."""
        for plural in ("jobs", "jobruns"):
            try:
                await asyncio.to_thread(
                    self.custom.list_namespaced_custom_object,
                    GROUP,
                    VERSION,
                    self.namespace,
                    plural,
                    limit=1,
                )
            except ApiException as exc:
                if exc.status == 404:
                    return True
                raise
        return False

    async def _list(self, plural: str) -> list[dict[str, Any]]:
        """Every resource of ``plural``; while its CRD (or the namespace) is missing, this waits
        for it to come back, saying so once, rather than failing the operator's start."""
        said = False
        while True:
            try:
                found = await asyncio.to_thread(
                    self.custom.list_namespaced_custom_object,
                    GROUP,
                    VERSION,
                    self.namespace,
                    plural,
                )
                return list(found["items"])
            except ApiException as exc:
                if exc.status != 404:
                    raise
            if not said:
                self.runtime.say(
                    f"operator: no {plural} resources can be listed in {self.namespace} (the "
                    "CRDs or the namespace are missing); waiting for them"
                )
                said = True
            await asyncio.sleep(CRD_WAIT_S)

    # ------------------------------------------------------------------ Jobs
    async def job_changed(self, name: str, body: dict[str, Any]) -> None:
        """A Job resource was created or changed (or a Secret it reads). A spec the operator
        cannot use is reported on the resource while its last good version keeps running."""
        definition = await self._read_job(name, body)
        if definition is None:
            return
        suspend, note = suspension(body)

        def change(target: DefinitionTarget) -> None:
            target.put_job(name, definition)
            target.set_paused(name, suspend, note)

        self.runtime.change_definitions(change)
        self.projection.mark_job(name)

    def backfill_asked(self, name: str, body: dict[str, Any]) -> None:
        """The Job's backfill annotation appeared or changed (after ``job_changed`` made the
        Job known, for a new one)."""
        problem = backfill_requested(self.runtime, name, body)
        if problem is not None:
            self._warn("Job", name, body["metadata"].get("uid"), "BackfillFailed", problem)

    async def _read_job(self, name: str, body: dict[str, Any]) -> JobDefinition | None:
        self.mirror.job_seen(name, body, job_source(body["metadata"]))
        lookup = await self._remember(("jobs", name), body)
        try:
            definition = parse_resource_spec(
                JobDefinition, body.get("spec") or {}, secrets=lookup, ignore=CLUSTER_ONLY_KEYS
            )
        except ResourceSpecError as exc:
            self._spec_error(("jobs", name), "Job", body, str(exc))
            return None
        self.mirror.spec_valid(("jobs", name))
        return definition

    async def job_deleted(self, name: str) -> None:
        """Terminate its JobRuns, then remove their resources (the operator's and any a person
        created for it) and Pods: no garbage collector can be assumed to do it. Its records go
        last, so that no resource creation finishing meanwhile brings one back."""
        self.runtime.change_definitions(lambda target: target.delete_job(name))
        await delete_children(self.core, self.custom, self.namespace, name)
        self.mirror.resource_gone(("jobs", name))

    async def auth_session_changed(self, name: str, body: dict[str, Any]) -> None:
        key = ("authsessions", name)
        lookup = await self._remember(key, body)
        try:
            session = parse_resource_spec(
                AuthSessionDefinition, body.get("spec") or {}, secrets=lookup
            )
            if session.id not in (None, name):
                raise ResourceSpecError([f"spec.id {session.id!r} must equal metadata.name"])
        except ResourceSpecError as exc:
            self._spec_error(key, "AuthSession", body, str(exc))
            return
        self.mirror.spec_valid(key)
        self.runtime.change_definitions(lambda target: target.put_auth_session(name, session))
        status = validity_status(
            None,
            valid="the operator holds this version",
            generation=body["metadata"].get("generation"),
            previous=(body.get("status") or {}).get("conditions") or [],
            now=self.runtime.clock(),
        )
        self.writer.mark("authsessions", name, lambda: status)

    def auth_session_deleted(self, name: str) -> None:
        self.mirror.resource_gone(("authsessions", name))
        self.runtime.change_definitions(lambda target: target.remove_auth_session(name))

    def file_problems(self, problems: dict[str, str]) -> None:
        """The repo sync's verdict on every job file: report what became invalid or valid."""
        for job_id in self.mirror.file_problems_changed(problems):
            problem = problems.get(job_id)
            if self.query.job(job_id) is None:
                continue
            self.projection.mark_job(job_id)
            if problem is not None:
                record = self.mirror.jobs.get(job_id)
                text = f"{problem}; the last valid version keeps running"
                self._warn("Job", job_id, record.uid if record else None, "SpecError", text)

    def write_suspend(self, job_id: str, suspend: bool, note: str | None = None) -> None:
        """Record a pause (with its note) or resume made elsewhere (the REST API) on the Job's
        spec."""
        self._spawn(patch_suspend(self.custom, self.namespace, job_id, suspend, note))

    def uses_secret(self, secret: str) -> bool:
        return any(secret in d.secrets for d in self.mirror.definitions.values())

    async def secret_changed(self, secret: str) -> None:
        """Definitions take Secret values when parsed: parse again those that read this one."""
        for (plural, name), known in list(self.mirror.definitions.items()):
            if secret in known.secrets:
                self.runtime.say(f"Secret {secret} changed: reading {plural}/{name} again")
                if plural == "jobs":
                    await self.job_changed(name, known.body)
                else:
                    await self.auth_session_changed(name, known.body)

    async def _remember(self, key: Key, body: dict[str, Any]) -> SecretLookup:
        lookup, secrets = await self.secrets.lookup_for(body.get("spec") or {})
        self.mirror.definition_read(key, body, frozenset(secrets))
        return lookup

    def _spec_error(self, key: Key, kind: str, body: dict[str, Any], problem: str) -> None:
        metadata = body["metadata"]
        text = self.runtime.redactor.redact(problem)
        self.runtime.say(f"{kind} {metadata['name']}: invalid: {text}")
        self.mirror.spec_invalid(key, text)
        if key[0] == "jobs" and self.query.job(metadata["name"]) is not None:
            self.projection.mark_job(metadata["name"])  # the full status says so from now on
        else:
            status = validity_status(
                text,
                valid="",
                generation=metadata.get("generation"),
                previous=(body.get("status") or {}).get("conditions") or [],
                now=self.runtime.clock(),
            )
            self.writer.mark(key[0], metadata["name"], lambda: status)
        self._warn(kind, metadata["name"], metadata.get("uid"), "SpecError", text)

    def _warn(
        self, kind: str, name: str, uid: str | None, reason: WarningReason, text: str
    ) -> None:
        text = self.runtime.redactor.redact(text)
        self._spawn(self.events.post(kind, name, uid, reason, text, warning=True))

    # --------------------------------------------------------------- JobRuns
    def job_run_created(self, body: dict[str, Any], *, last_try: bool) -> str | None:
        """A JobRun resource appeared. One a person created triggers its Job (the returned
        text says why it was CANCELED at once: its Job is paused or unknown). Raises
        ``NotFoundError`` while its Job is unknown (the two are often applied together, and
        their events may arrive in either order) unless this is the ``last_try``."""
        identifier = engine_id(body)
        if (body["metadata"].get("labels") or {}).get(CREATED_BY_LABEL) == "jobctl":
            if self.query.job_run(identifier) is not None:
                self.mirror.job_run_resource_seen(identifier, body)
            return None
        spec = body.get("spec") or {}
        job_name = spec.get("jobRef", {}).get("name", "")
        job = self.query.job(job_name)
        if job is None and not last_try:
            raise NotFoundError(f"no job {job_name!r} (yet)")
        self.mirror.job_run_resource_seen(identifier, body)
        refused = job is None or job.paused
        if spec.get("rerunOf"):
            job_run = rerun_requested(self.runtime, job_name, identifier, spec["rerunOf"])
            refused = job_run.status == "CANCELED"
        else:
            job_run = self.runtime.trigger(job_name, job_run_id=identifier)
        self.projection.mark_job_run(job_run)
        return job_run.reason["message"] if refused and job_run.reason else None

    def terminate_requested(self, body: dict[str, Any]) -> None:
        """``spec.terminate`` was set. A JobRun that had ended still observes the new
        generation; one that cannot be terminated is reported (log and Event), not ignored."""
        identifier, metadata = engine_id(body), body["metadata"]
        try:
            job_run = self.runtime.terminate(identifier)
        except EngineError as exc:
            text = f"spec.terminate not carried out: {exc}"
            self.runtime.say(f"JobRun {metadata['name']}: {text}")
            self._warn("JobRun", metadata["name"], metadata.get("uid"), "TerminateFailed", text)
            return
        self.mirror.job_run_resource_seen(identifier, body)
        self.projection.mark_job_run(job_run)

    async def drain(self) -> None:
        """Wait for the resource creations and Events started so far, then write the statuses
        marked (at shutdown: the last passes' changes)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.writer.flush()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
