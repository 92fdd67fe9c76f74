"""``jobctl operator``: the operator process (kopf, the engine, the callback Pods report to)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sys
import time
from collections.abc import Callable

import kopf
from kubernetes import client
from kubernetes.client.rest import ApiException

from ..kubeclient import api_client
from ..launch.kube import KubeLauncher
from ..launch.pool import load_or_create_key
from ..runtime import Commands, Runtime, assemble, freeze_start_up
from ..runtime.standby import keep_lead, wait_for_lead
from ..server import ApiServer, Control, parse_listen
from ..store import open_store
from ..store.leadership import Leadership, LeadershipLost
from .control import ResourceCatalog
from .definitions import ResourceDefinitions
from .handlers import WATCHED, build_registry
from .lease import Lease
from .liveness import WatcherMonitor
from .mirror import Mirror
from .operator import Operator
from .repo_sync import RepoSync
from .settings import OperatorSettings

SHUTDOWN_S = 10
"""How long a stopping operator lets kopf and the controller finish before cancelling them."""


async def _ensure_peering(custom: client.CustomObjectsApi, namespace: str, name: str) -> None:
    """kopf elects the active replica through this object; it must exist before they start."""
    body = {"apiVersion": "kopf.dev/v1", "kind": "KopfPeering", "metadata": {"name": name}}
    try:
        await asyncio.to_thread(
            custom.create_namespaced_custom_object,
            "kopf.dev",
            "v1",
            namespace,
            "kopfpeerings",
            body,
        )
    except ApiException as exc:
        if exc.status != 409:
            raise


ServeApi = Callable[[Runtime, Control, Callable[[], dict[str, bool]]], ApiServer | None]
"""Binds the REST API (None: not served) given the runtime, what commands act on and the health
checks; raises ``ValueError`` saying what is wrong."""


def run_operator(settings: OperatorSettings, serve_api: ServeApi) -> int:
    """Both come from the command line, which owns the options."""
    try:
        code = asyncio.run(_main(settings, serve_api))
    except ApiException as exc:
        if _namespace_missing(exc, settings.namespace):
            print(
                f"jobctl operator: namespace {settings.namespace!r} does not exist; create it "
                "(kubectl create namespace ...) or pass the one to watch with --namespace",
                file=sys.stderr,
            )
            return 2
        raise
    if code is None:  # the CRDs went away under kopf, which cannot wait for them: start afresh
        print(
            "jobctl operator: the CRDs (or the namespace) went away; starting again in place "
            "to wait for them",
            file=sys.stderr,
            flush=True,
        )
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return code


def _namespace_missing(exc: ApiException, namespace: str) -> bool:
    """The apiserver's 404 for an object in a namespace that does not exist names the
    namespace in its Status ``details``."""
    try:
        details = json.loads(exc.body or "{}").get("details") or {}
    except (TypeError, ValueError):
        return False
    missing = (details.get("kind"), details.get("name")) == ("namespaces", namespace)
    return exc.status == 404 and missing


def _build(
    settings: OperatorSettings, api: client.ApiClient
) -> tuple[Operator, KubeLauncher, Leadership]:
    """The runtime with Kubernetes edges: Pods for attempts, resources for definitions. The
    mirror is made first: the launcher asks it whose Pods it makes, the operator fills it."""
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    mirror = Mirror()
    launcher = KubeLauncher(
        core,
        settings.pods,
        capacity=settings.max_workers,
        owner_of=mirror.owner_of,
        worker_of=mirror.worker_of,
        pool_key_material=load_or_create_key(settings.state / "worker-pool.key"),
    )
    definitions = ResourceDefinitions(mirror)
    store = open_store(settings.store_location)
    lead = Leadership(store.db)
    store.fenced_by = lead  # no pass runs before the lead is held (``_main``)
    runtime = assemble(settings, store=store, launcher=launcher, definitions=definitions)
    operator = Operator(
        runtime,
        mirror=mirror,
        definitions=definitions,
        core=core,
        custom=custom,
        namespace=settings.namespace,
    )
    return operator, launcher, lead


class _Watches:
    """The watch streams' health, read by the liveness probe and the metrics alike."""

    def __init__(self) -> None:
        self.started, self.monitor = time.monotonic(), WatcherMonitor(WATCHED)

    def problems(self) -> list[str]:
        running_for_s = time.monotonic() - self.started
        return self.monitor.problems(asyncio.all_tasks(), running_for_s=running_for_s)


def _liveness(engine_task: asyncio.Task[None], watches: _Watches) -> Callable[[], None]:
    """The probe: raises while the engine loop or a watch stream is dead."""

    def alive() -> None:
        problems = watches.problems()
        if engine_task.done():
            problems.insert(0, "the engine loop has stopped")
        if problems:
            raise RuntimeError("; ".join(problems))

    return alive


async def _main(settings: OperatorSettings, serve_api: ServeApi) -> int | None:
    """The exit code; None when kopf ended because the CRDs went away: the process then starts
    again in place (same PID, so no container restart), and the start waits for them. Its Lease
    is released first, and its Pods and their attempts are taken back by the next start."""
    # INFO at most: at DEBUG kopf prints whole resources (inline secrets of Job specs) and the
    # kubernetes client whole responses (Secrets).
    kopf.configure(quiet=not settings.verbose, log_format=kopf.LogFormat.PLAIN)
    for chatty in ("kubernetes", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    api, _namespace = api_client(settings.kubeconfig)
    operator, launcher, lead = _build(settings, api)
    runtime = operator.runtime
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    lease = None
    if not settings.standalone:
        coordination = client.CoordinationV1Api(api)
        lease = Lease(coordination, settings.namespace, f"jobctl-{settings.peering}")
        if not await lease.acquire(runtime.say, stop):
            await launcher.close()
            runtime.close()
            return 0
    if not await wait_for_lead(lead, runtime.say, stop):  # the store's fence, held as well
        await launcher.close()
        runtime.close()
        return 0
    # Only the active replica listens: replicas may share an address (a Service, one host).
    launcher.serve_callback(*parse_listen(settings.callback_listen))
    watches = _Watches()

    def checks() -> dict[str, bool]:
        return {"engine": runtime.running, "watches": not watches.problems()}

    try:
        server = serve_api(runtime, Commands(runtime, ResourceCatalog(operator)), checks)
    except ValueError as exc:
        print(f"jobctl operator: {exc}", file=sys.stderr)
        await launcher.close()
        runtime.close()
        return 2
    await operator.list_jobs()
    await launcher.start_pools()
    runtime.start()
    freeze_start_up()
    await operator.sync()
    print(f"operator: namespace {settings.namespace}, callback {launcher.callback_url}", flush=True)
    if not settings.standalone:
        await _ensure_peering(operator.custom, settings.namespace, settings.peering)
    kopf_ended = await _run_until_stopped(
        settings,
        api,
        operator,
        launcher,
        stop=stop,
        leads=(lease, lead),
        server=server,
        watches=watches,
    )
    runtime.close()
    if kopf_ended and await operator.resources_missing():
        return None
    return 0


async def _run_until_stopped(
    settings: OperatorSettings,
    api: client.ApiClient,
    operator: Operator,
    launcher: KubeLauncher,
    *,
    stop: asyncio.Event,
    leads: tuple[Lease | None, Leadership],
    server: ApiServer | None,
    watches: _Watches,
) -> bool:
    """Run the engine, kopf and the side tasks until a signal, kopf's end, a lost Lease or a
    lost lead on the store; then let the engine and kopf finish, write the last statuses, and
    cancel the rest. True when kopf ended by itself (not asked to stop)."""
    lease, lead = leads
    runtime = operator.runtime
    engine_task = asyncio.create_task(runtime.run())

    def engine_ended(task: asyncio.Task[None]) -> None:
        fenced = not task.cancelled() and isinstance(task.exception(), LeadershipLost)
        if fenced:  # a pass found another replica active: stop, to start again as a standby
            runtime.say(str(task.exception()))
            stop.set()

    engine_task.add_done_callback(engine_ended)
    sync = None
    if settings.sync_dir is not None:
        sync = RepoSync(
            settings.sync_dir,
            watch_root=settings.sync_root,
            custom=operator.custom,
            namespace=settings.namespace,
            say=runtime.say,
            file_problems=operator.file_problems,
        )
    registry = build_registry(
        operator,
        launcher,
        api,
        probe=_liveness(engine_task, watches),
        code_changed=sync.request if sync else lambda: None,
        scan_cluster=settings.scan_cluster,
    )
    liveness = settings.liveness
    kopf_task = asyncio.create_task(
        kopf.operator(
            registry=registry,
            namespaces=[settings.namespace],
            standalone=settings.standalone,
            peering_name=None if settings.standalone else settings.peering,
            priority=random.randint(1, 1_000_000),
            liveness_endpoint=f"http://{liveness}/healthz" if liveness else None,
            stop_flag=stop,
        )
    )
    side = [
        operator.writer.run(),
        *([sync.run()] if sync else []),
        *([server.run()] if server else []),
    ]
    if lease is not None:

        def lost() -> None:
            runtime.say(f"lease {lease.name}: lost; stopping so that only one replica acts")
            stop.set()

        side.append(lease.keep(lost))

    def step_down(why: str) -> None:
        runtime.say(why)
        stop.set()

    side.append(keep_lead(lead, step_down))
    tasks = [engine_task, kopf_task, *(asyncio.create_task(c) for c in side)]
    # kopf installs its own SIGINT/SIGTERM handlers and ends its task on them: stop on either.
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([stopping, kopf_task], return_when=asyncio.FIRST_COMPLETED)
    kopf_ended = not stop.is_set()
    stopping.cancel()
    stop.set()
    runtime.stop()
    if server is not None:
        server.stop()
    await asyncio.wait([engine_task, kopf_task], timeout=SHUTDOWN_S)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(operator.drain(), SHUTDOWN_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if lease is not None:  # renewals are over: a standby may take over now
        await asyncio.to_thread(lease.release)
    return kopf_ended
