"""kopf handlers: Job and JobRun resources and attempt Pods, feeding the ``Operator``.

Every handler is ``async``: kopf runs synchronous handlers in threads, and the engine belongs to
the event loop. kopf is configured for production: watch timeouts on both ends (a silently dead
connection is replaced instead of freezing the operator), its per-handler Events muted below
warnings (the operator posts its own), finalizers on Jobs so that deleting one terminates its
JobRuns, and a liveness probe that fails when the engine loop or a watch stream has died.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import kopf

from ..engine import NotFoundError
from ..launch.kube import MANAGED_BY, KubeLauncher
from ..vocabulary import (
    BACKFILL_ANNOTATION,
    FINALIZER,
    GROUP,
    SOURCE_LABEL,
    VERSION,
    WarningReason,
)
from .diffbase import CompactDiffBaseStorage
from .operator import Operator

WATCH_SERVER_TIMEOUT_S = 270
WATCH_CLIENT_TIMEOUT_S = 300
WATCHED = ("jobs", "jobruns", "authsessions", "pods", "secrets")
"""Every resource kind a handler below watches (the liveness probe checks each stream)."""
JOB_WAIT_RETRIES = 30
"""A JobRun applied together with its Job waits up to about this many seconds for the Job."""


def build_registry(
    operator: Operator,
    launcher: KubeLauncher,
    api: Any,
    *,
    probe: Callable[[], None],
    code_changed: Callable[[], None] = lambda: None,
    scan_cluster: bool = False,
) -> kopf.OperatorRegistry:
    """``api``: the kubernetes ``ApiClient`` the operator uses; kopf logs in with the same.
    ``code_changed``: called when a resource made from a file changes or goes (the repo sync
    then puts it back as the file says). ``scan_cluster``: let kopf watch CRDs and namespaces
    cluster-wide (least-privilege RBAC forbids it, and kopf would log 403s)."""
    registry = kopf.OperatorRegistry()

    def follow_code(body: kopf.Body) -> None:
        if (body.metadata.labels or {}).get(SOURCE_LABEL) == "code":
            code_changed()

    _register_settings(registry, api, probe, scan_cluster=scan_cluster)

    @kopf.on.resume(GROUP, VERSION, "jobs", registry=registry)
    @kopf.on.create(GROUP, VERSION, "jobs", registry=registry)
    @kopf.on.update(GROUP, VERSION, "jobs", field="spec", registry=registry)
    async def job_changed(name: str, body: kopf.Body, **_: Any) -> None:
        follow_code(body)
        await operator.job_changed(name, dict(body))

    backfill = ("metadata", "annotations", BACKFILL_ANNOTATION)

    @kopf.on.field(GROUP, VERSION, "jobs", field=backfill, registry=registry)
    async def backfill_asked(name: str, body: kopf.Body, new: Any, **_: Any) -> None:
        """Declared after ``job_changed``: for a new Job, kopf runs that first."""
        if new:
            operator.backfill_asked(name, dict(body))

    @kopf.on.delete(GROUP, VERSION, "jobs", registry=registry)
    async def job_deleted(name: str, body: kopf.Body, **_: Any) -> None:
        follow_code(body)
        await operator.job_deleted(name)

    @kopf.on.resume(GROUP, VERSION, "authsessions", registry=registry)
    @kopf.on.create(GROUP, VERSION, "authsessions", registry=registry)
    @kopf.on.update(GROUP, VERSION, "authsessions", field="spec", registry=registry)
    async def auth_session_changed(name: str, body: kopf.Body, **_: Any) -> None:
        follow_code(body)
        await operator.auth_session_changed(name, dict(body))

    @kopf.on.delete(GROUP, VERSION, "authsessions", registry=registry, optional=True)
    async def auth_session_deleted(name: str, **_: Any) -> None:
        operator.auth_session_deleted(name)

    def referenced(name: str, **_: Any) -> bool:
        return operator.uses_secret(name)

    @kopf.on.event("", "v1", "secrets", when=referenced, registry=registry)
    async def secret_changed(name: str, type: str, **_: Any) -> None:
        if type is not None:  # None: the initial listing, already read when parsing
            await operator.secret_changed(name)

    @kopf.on.create(GROUP, VERSION, "jobruns", registry=registry, retries=JOB_WAIT_RETRIES)
    async def job_run_created(body: kopf.Body, retry: int, **_: Any) -> None:
        try:
            problem = operator.job_run_created(dict(body), last_try=retry >= JOB_WAIT_RETRIES - 1)
        except NotFoundError as exc:
            raise kopf.TemporaryError(str(exc), delay=1) from None
        if problem is not None:
            not_triggered: WarningReason = "NotTriggered"
            kopf.warn(body, reason=not_triggered, message=problem)

    @kopf.on.field(GROUP, VERSION, "jobruns", field="spec.terminate", registry=registry)
    async def terminate(body: kopf.Body, new: Any, **_: Any) -> None:
        if new:
            operator.terminate_requested(dict(body))

    @kopf.on.event(
        "", "v1", "pods", labels={"app.kubernetes.io/managed-by": MANAGED_BY}, registry=registry
    )
    async def pod_event(name: str, type: str | None, status: kopf.Status, **_: Any) -> None:
        statuses = status.get("containerStatuses") or [{}]
        terminated = (statuses[0].get("state") or {}).get("terminated") or {}
        exit_code = terminated.get("exitCode")
        launcher.observe_pod(name, status.get("phase"), exit_code, deleted=type == "DELETED")
        if status.get("phase") == "Succeeded" and type != "DELETED":  # not once it is gone
            await launcher.remove_succeeded(name)

    return registry


def bearer_token(authorization: str) -> str:
    """The token of an ``Authorization`` value: a kubeconfig gives ``Bearer ...``, the in-cluster
    configuration ``bearer ...`` (the scheme is case-insensitive)."""
    scheme, _, credential = authorization.strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else authorization.strip()


def _register_settings(
    registry: kopf.OperatorRegistry, api: Any, probe: Callable[[], None], *, scan_cluster: bool
) -> None:
    """Log-in, liveness and production settings."""

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        settings = api.configuration
        token = bearer_token((settings.api_key or {}).get("authorization", ""))
        return kopf.ConnectionInfo(
            server=settings.host,
            ca_path=settings.ssl_ca_cert,
            insecure=not settings.verify_ssl,
            token=token or None,
            certificate_path=settings.cert_file,
            private_key_path=settings.key_file,
        )

    @kopf.on.probe(id="engine", registry=registry, errors=kopf.ErrorsMode.PERMANENT)
    async def engine_alive(**_: Any) -> str:  # async: it inspects the loop's tasks
        try:
            probe()
        except RuntimeError as exc:  # the probe answers 500 at once (no retries)
            raise kopf.PermanentError(str(exc)) from None
        return "running"

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.watching.server_timeout = WATCH_SERVER_TIMEOUT_S
        settings.watching.client_timeout = WATCH_CLIENT_TIMEOUT_S
        settings.watching.connect_timeout = 30
        settings.scanning.disabled = not scan_cluster
        settings.posting.level = logging.WARNING
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
        settings.persistence.diffbase_storage = CompactDiffBaseStorage(prefix=GROUP)
