"""``jobctl run``: the embedded controller in the foreground."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys
from pathlib import Path
from typing import Any

from ..delivery import DeliverySettings
from ..embedded import EmbeddedController, Settings
from ..engine import EngineError, Identity, JobRun, Launcher
from ..runtime import freeze_start_up
from ..runtime.standby import keep_lead, wait_for_lead
from ..spec.intuned_json import ProjectSettings, ProjectSettingsError
from ..store import open_store
from ..store.leadership import Leadership
from . import api_serving, delivery_options, project_options, store_options


def register(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run the embedded controller on the job files",
        description="Load every job under RESOURCES/jobs, fire their schedules and run their "
        "JobRuns, keeping state in STATE. Job files are reloaded when they change.",
    )
    run.add_argument("--resources", type=Path, default=Path("intuned-resources"))
    run.add_argument("--project", type=Path, default=Path("."), help="the automation project")
    run.add_argument("--state", type=Path, default=Path(".jobctl"), help="state and results")
    store_options.add_options(run)
    run.add_argument(
        "--max-workers",
        type=int,
        default=None,
        help="attempts at once, across all jobs (default: the project's Intuned.json "
        "replication.maxConcurrentRequests, else 4)",
    )
    run.add_argument(
        "--history-limit",
        type=int,
        default=100,
        help="finished JobRuns kept per Job (older ones are pruned)",
    )
    run.add_argument(
        "--attempts-per-worker",
        type=int,
        default=4,
        help="attempts one worker process (one Chromium) runs at once (default: %(default)s)",
    )
    run.add_argument(
        "--trigger",
        metavar="JOB_ID",
        action="append",
        default=[],
        help="trigger this Job once at start-up (repeatable)",
    )
    run.add_argument(
        "--until-idle",
        action="store_true",
        help="exit when no JobRun is active (with --trigger: when it has ended)",
    )
    run.add_argument(
        "--launcher",
        metavar="MODULE:FACTORY",
        help="instead of local Chromium workers: FACTORY(capacity) -> Launcher",
    )
    run.add_argument(
        "--auth-lock-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="longest wait for another attempt's AuthSession recreation; then the "
        "JobRun pauses with auth-session-locked (default: %(default)s)",
    )
    api_serving.add_identity_options(run, workspace="local", project="project name")
    run.add_argument("--project-name", default=None, help="default: the project folder's name")
    delivery_options.add_options(run)
    project_options.add_options(run)
    api_serving.add_options(run)
    run.set_defaults(handler=run_controller)


def _launcher(
    args: argparse.Namespace, project: ProjectSettings, environment: dict[str, str]
) -> Launcher:
    if args.launcher is None:
        return project_options.local_launcher(
            args.project,
            args.state,
            project,
            capacity=args.max_workers,
            attempts_per_worker=args.attempts_per_worker,
            environment=environment,
        )
    spec = args.launcher
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    launcher: Launcher = factory(args.max_workers)
    return launcher


def run_controller(args: argparse.Namespace) -> int:
    """The project's Intuned.json gives the defaults of --max-workers and --project-name (set
    here, at the edge, when they are not given)."""
    try:
        project = project_options.project_settings(args.project)
        environment = project_options.env_files(args.project, args.env_file)
    except (ProjectSettingsError, project_options.EnvFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.max_workers is None:
        args.max_workers = project.max_concurrent_requests or project_options.DEFAULT_MAX_WORKERS
    if args.project_name is None:
        args.project_name = project.settings.projectName
    if min(args.max_workers, args.history_limit, args.attempts_per_worker) < 1:
        print(
            "jobctl run: --max-workers, --history-limit and --attempts-per-worker must be >= 1",
            file=sys.stderr,
        )
        return 2
    try:
        delivery = delivery_options.delivery_settings(args)
        store = store_options.store_location(args)
    except ValueError as exc:
        print(f"jobctl run: {exc}", file=sys.stderr)
        return 2
    if warning := store_options.unshared_files(store, args):
        print(f"jobctl run: {warning}", file=sys.stderr)
    return asyncio.run(_main(args, delivery, store, _launcher(args, project, environment)))


async def _main(
    args: argparse.Namespace, delivery: DeliverySettings, store: str | Path, launcher: Launcher
) -> int:
    project_name = args.project_name or args.project.resolve().name
    settings = Settings(
        resources=args.resources,
        state=args.state,
        store=store,
        max_workers=args.max_workers,
        history_limit=args.history_limit,
        identity=Identity.named(args.workspace_id, project_name, args.project_id),
        delivery=delivery,
        **delivery_options.results_settings(args),
        auth_lock_timeout_s=args.auth_lock_timeout,
        auth_session_instances=args.project / "auth-sessions-instances",
    )
    store_opened = open_store(settings.store_location)
    lead = Leadership(store_opened.db)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    if not await wait_for_lead(lead, _say, stopping):
        store_opened.close()
        return 0
    store_opened.fenced_by = lead
    controller = EmbeddedController(settings, launcher, store=store_opened)
    try:
        server = api_serving.start_api(
            args, controller.runtime, controller.commands, sign_in_browser=True
        )
    except api_serving.ApiSetupError as exc:
        print(f"jobctl run: {exc}", file=sys.stderr)
        controller.close()
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, controller.stop)
    lost: list[str] = []

    def step_down(why: str) -> None:
        lost.append(why)
        controller.stop()

    keeping = asyncio.create_task(keep_lead(lead, step_down))
    serving = None if server is None else asyncio.create_task(server.run())
    try:
        code = await _run(args, controller)
    finally:
        keeping.cancel()
        if server is not None and serving is not None:
            server.stop()
            await serving
        controller.close()  # gives the lead up
    if lost:
        print(f"jobctl run: {lost[0]}", file=sys.stderr)
        return 75
    return code


def _say(text: str) -> None:
    print(f"jobctl run: {text}", flush=True)


async def _run(args: argparse.Namespace, controller: EmbeddedController) -> int:
    controller.start()
    freeze_start_up()
    job_run_ids = []
    for job_id in args.trigger:
        try:
            job_run = controller.commands.trigger(job_id)
        except EngineError as exc:
            print(f"jobctl run: {exc}", file=sys.stderr)
            await controller.run(until_idle=True)
            return 2
        job_run_ids.append(_followed(controller, job_run).id)
    await controller.run(until_idle=args.until_idle, job_run_ids=job_run_ids or None)
    return max((_summary(controller, i) for i in job_run_ids), default=0)


def _followed(controller: EmbeddedController, triggered: JobRun) -> JobRun:
    """The JobRun whose outcome the trigger stands for: itself, or, when it was refused because
    an earlier JobRun of the Job is still active (resumed after an interrupted run), that one,
    so that ``--until-idle`` sees the Job's work through instead of reporting a refusal."""
    refused = triggered.reason is not None and triggered.reason["type"] == "another-job-run-active"
    if triggered.status != "CANCELED" or not refused:
        return triggered
    active = [r for r in controller.query.job_runs(triggered.job_id) if r.active]
    if not active:
        return triggered
    print(
        f"jobctl run: {triggered.job_id}: JobRun {active[0].id} (resumed from an earlier run) is "
        f"still active, so the trigger was refused ({triggered.id}); following {active[0].id}",
        file=sys.stderr,
    )
    return active[0]


def _summary(controller: EmbeddedController, job_run_id: str) -> int:
    job_run = controller.query.job_run(job_run_id)
    if job_run is None:
        return 2
    link = controller.commands.results_link(job_run.id)
    in_bucket = link is not None and link.bucket is not None
    path = (
        link.signed_url
        if link and in_bucket
        else controller.query.results_path(job_run.job_id, job_run.id)
    )
    print(f"{job_run.id} {job_run.status}: {job_run.summary}; results: {path}")
    if job_run.status != "COMPLETED":
        return 2
    return 1 if job_run.failed_runs else 0
