"""``jobctl dev run``: try one API, or one AuthSession step, as ``intuned dev run`` does.

It runs exactly as a JobRun would (it is one: a direct Run of the embedded runtime, on the
project's environment, with its setup hook, the runtime API and a trace), in a state folder of
its own (``.jobctl/dev``), and prints the result as JSON on stdout; progress, the error of a
failed Run and where its trace and log are go to stderr. ``authsession create`` drops the
session's stored state and signs in with ``create.py``; ``validate`` runs ``check.py`` (and
``create.py`` when it fails); after either, the session's browser state is saved as
``auth-sessions-instances/<id>/auth-session.json``, where JobRuns start from it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from .. import jsontext
from ..auth.instances import FILE as INSTANCE_FILE
from ..embedded import EmbeddedController, Settings
from ..engine import JobRun
from ..server.intuned.direct_models import RetryIn, RunAuthSessionIn, RunStartIn, SessionSteps
from ..server.intuned.direct_shapes import operation_document, run_document
from ..spec.intuned_json import ProjectSettingsError
from . import project_options


def register(commands: Any) -> None:
    dev = commands.add_parser("dev", help="develop a project: run one API or AuthSession step")
    verbs = dev.add_subparsers(dest="dev_command", required=True, metavar="VERB")
    run = verbs.add_parser("run", help="run one API (or AuthSession step) once, as a JobRun")
    kinds = run.add_subparsers(dest="kind", required=True, metavar="KIND")

    api = kinds.add_parser("api", help="run api/NAME.py once and print its result")
    api.add_argument("name", help="the API, as in a payload item (nested: folder/name)")
    api.add_argument(
        "parameters_file",
        nargs="?",
        type=Path,
        metavar="PARAMETERS.json",
        help="its parameters (default: .parameters/api/NAME/default.json, else none)",
    )
    api.add_argument("--parameters", metavar="JSON", help="its parameters as a JSON object")
    api.add_argument("--auth-session", metavar="ID", help="run signed in with this AuthSession")
    api.add_argument("--retries", type=int, default=1, help="attempts (default: %(default)s)")
    api.add_argument("--timeout", type=int, default=600, help="seconds (default: %(default)s)")
    api.add_argument("--no-trace", action="store_true", help="keep no trace")
    api.set_defaults(handler=run_api)

    session = kinds.add_parser("authsession", help="create or validate an AuthSession")
    session.add_argument("step", choices=("create", "validate"))
    session.add_argument("id", help="the AuthSession (auth-sessions/<id>.auth-session.jsonc)")
    session.set_defaults(handler=run_auth_session)

    for parser in (api, session):
        parser.add_argument("--project", type=Path, default=Path("."), help="the project")
        parser.add_argument(
            "--resources", type=Path, default=None, help="default: PROJECT/intuned-resources"
        )
        parser.add_argument("--state", type=Path, default=None, help="default: .jobctl/dev")
        project_options.add_options(parser)


class DevInputError(ValueError):
    pass


def run_api(args: argparse.Namespace) -> int:
    try:
        parameters = _parameters(args)
    except DevInputError as exc:
        print(f"jobctl dev run api: {exc}", file=sys.stderr)
        return 2
    body = RunStartIn(
        api=args.name,
        parameters=parameters,
        saveTrace=not args.no_trace,
        requestTimeout=args.timeout,
        retry=RetryIn(maximumAttempts=max(1, args.retries)),
        authSession=None if args.auth_session is None else RunAuthSessionIn(id=args.auth_session),
    )
    return _run(args, "run", run_document(body), session=None)


def run_auth_session(args: argparse.Namespace) -> int:
    document = operation_document(args.id, SessionSteps())
    return _run(args, args.step, document, session=args.id)


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    if args.parameters is not None and args.parameters_file is not None:
        raise DevInputError("give the parameters as a file or as --parameters, not both")
    if args.parameters is not None:
        text, source = args.parameters, "--parameters"
    else:
        path = args.parameters_file or args.project / ".parameters" / "api" / args.name / (
            "default.json"
        )
        if args.parameters_file is None and not path.is_file():
            return {}
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise DevInputError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DevInputError(f"{source}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
    if not isinstance(value, dict):
        raise DevInputError(f"{source}: the parameters must be a JSON object")
    return value


def _run(
    args: argparse.Namespace, kind: Any, document: dict[str, Any], *, session: str | None
) -> int:
    project_dir: Path = args.project
    state: Path = args.state or Path(".jobctl") / "dev"
    try:
        project = project_options.project_settings(project_dir)
        environment = project_options.env_files(project_dir, args.env_file)
    except (ProjectSettingsError, project_options.EnvFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = Settings(
        resources=args.resources or project_dir / "intuned-resources",
        state=state,
        max_workers=1,
        watch=False,
        auth_session_instances=project_dir / "auth-sessions-instances",
    )
    launcher = project_options.local_launcher(
        project_dir, state, project, capacity=1, attempts_per_worker=1, environment=environment
    )
    controller = EmbeddedController(settings, launcher, out=sys.stderr)
    try:
        return asyncio.run(_once(controller, kind, document, session, project_dir))
    finally:
        controller.close()


async def _once(
    controller: EmbeddedController,
    kind: Any,
    document: dict[str, Any],
    session: str | None,
    project_dir: Path,
) -> int:
    controller.start()
    if kind == "create" and session is not None:
        controller.runtime.reset_auth_session(session)
    job_run = controller.commands.start_direct(kind, document)
    await controller.run(until_idle=True, job_run_ids=[job_run.id])
    ended = controller.query.job_run(job_run.id)
    assert ended is not None
    lines = controller.query.final_run_lines(ended)
    if session is not None and _succeeded(ended, lines):
        _save_instance(controller, session, project_dir)
    return _report(ended, lines)


def _succeeded(job_run: JobRun, lines: list[dict[str, Any]]) -> bool:
    return job_run.status == "COMPLETED" and all(line["apiInfo"]["error"] is None for line in lines)


def _report(job_run: JobRun, lines: list[dict[str, Any]]) -> int:
    if job_run.error is not None:
        print(f"{job_run.status}: {job_run.error['message']}", file=sys.stderr)
        return 2
    code = 0
    for line in lines:
        info = line["apiInfo"]
        if info["error"] is None:
            result = info["result"]
            uploaded = isinstance(result, jsontext.RawJson)  # printed as it came, not indented
            print(
                result.text.decode()
                if uploaded
                else json.dumps(result, indent=2, ensure_ascii=False)
            )
        else:
            print(f"{info['error']['code']}: {info['error']['message']}", file=sys.stderr)
            code = 1
        for what in ("trace", "log"):
            if info.get(f"{what}_url"):
                print(f"{what}: {info[f'{what}_url']}", file=sys.stderr)
    return code if lines else 2


def _shown(result: Any) -> str:
    """An uploaded result is shown as it came, not indented (it is never made objects of)."""
    if isinstance(result, jsontext.RawJson):
        return result.text.decode()
    return json.dumps(result, indent=2, ensure_ascii=False)


def _save_instance(controller: EmbeddedController, session: str, project_dir: Path) -> None:
    state = controller.runtime.saved_auth_state(session)
    if state is None:
        return
    folder = project_dir / "auth-sessions-instances" / session
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INSTANCE_FILE).write_text(json.dumps(state, indent=2))
    print(f"AuthSession {session}: saved as {folder / INSTANCE_FILE}", file=sys.stderr)
