"""``jobctl jobs ...`` and ``jobctl jobruns ...``: Intuned's CLI verbs against a controller."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import json5
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from ..spec import (
    Problem,
    SyntaxProblem,
    job_id_from_filename,
    load_job_file_text,
    parse_json5,
)
from ..vocabulary import FINAL_JOB_RUN, RUN_STATUSES
from . import operating_commands
from .api_client import ApiClient, ClientError
from .verbs import out as _out
from .verbs import verb as _verb

WATCH_INTERVAL_S = 0.5
DEFINITION_PARTS = (
    "payload",
    "configuration",
    "schedule",
    "sink",
    "notifications",
    "auth_session",
    "proxy",
)
"""The parts of a Job object (as the API returns it) that are its definition."""
RESOURCES_JOBS = ("jobs", "intuned-resources")


def register(commands: Any) -> None:
    jobs = commands.add_parser("jobs", help="list, inspect and control Jobs on a controller")
    verbs = jobs.add_subparsers(dest="verb", required=True, metavar="VERB")
    _verb(verbs, "list", "list Jobs", jobs_list)
    _verb(verbs, "get", "show one Job", jobs_get, "JOB_ID")
    create = _verb(
        verbs,
        "create",
        "create a Job from a job file (FILE or @FILE), its JSON text, or - for stdin",
        jobs_create,
        "SOURCE",
    )
    create.add_argument(
        "--id",
        help="the Job ID (default: the document's id, else the file name as for job files; "
        "a file in intuned-resources/jobs/ is always named by its ID)",
    )
    _verb(verbs, "trigger", "start a JobRun now", jobs_trigger, "JOB_ID")
    pause = _verb(verbs, "pause", "pause a Job and its active JobRun", jobs_pause, "JOB_ID")
    pause.add_argument("--note", help="why it is paused (shown with its paused state)")
    _verb(verbs, "resume", "resume a Job and its paused JobRun", jobs_resume, "JOB_ID")
    delete = _verb(verbs, "delete", "delete a Job created through the API", jobs_delete, "JOB_ID")
    delete.add_argument(
        "-y", "--yes", action="store_true", help="do not ask (needed without a terminal)"
    )
    operating_commands.add_job_verbs(verbs)

    runs = commands.add_parser("jobruns", help="list, inspect, watch and terminate JobRuns")
    verbs = runs.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = _verb(verbs, "list", "list a Job's JobRuns, newest first", jobruns_list, "JOB_ID")
    listing.add_argument("--limit", type=int, default=20, help="default: %(default)s")
    _verb(verbs, "get", "show one JobRun and its results file", jobruns_get, "JOBRUN_ID")
    _verb(verbs, "terminate", "terminate a JobRun", jobruns_terminate, "JOBRUN_ID")
    _verb(verbs, "watch", "show a JobRun's progress until it ends", jobruns_watch, "JOBRUN_ID")
    runs_of = _verb(verbs, "runs", "list a JobRun's Runs, in order", jobruns_runs, "JOBRUN_ID")
    runs_of.add_argument("--status", choices=RUN_STATUSES, help="only Runs with this status")
    runs_of.add_argument("--api", help="only Runs of this API")
    runs_of.add_argument("--error-code", help="only Runs that failed with this error code")
    runs_of.add_argument("--limit", type=int, default=100, help="default: %(default)s")
    runs_of.add_argument("--cursor", help="the page after this one (a nextCursor)")
    _verb(verbs, "run", "show a Run and its attempts", jobruns_run, "JOBRUN_ID", "RUN_ID")
    operating_commands.add_job_run_verbs(verbs)


# -------------------------------------------------------------------------------------- jobs
def jobs_list(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("GET", "/jobs")

    def render(console: Console) -> None:
        table = Table("ID", "SOURCE", "STATE", "NEXT RUN", "LAST JOBRUN", box=None)
        for job in data:
            table.add_row(
                job["id"],
                job["source"],
                job["state"],
                job["next_run_time"] or "-",
                job["last_run_time"] or "-",
            )
        console.print(table)

    return _out(args, data, render)


def jobs_get(client: ApiClient, args: argparse.Namespace) -> int:
    job = client.project("GET", f"/jobs/{args.job_id}")

    def render(console: Console) -> None:
        console.print(
            f"{job['id']} ({job['source']}, {job['state']}); "
            f"next run: {job['next_run_time'] or '-'}; last JobRun: {job['last_run_time'] or '-'}"
        )
        definition = {k: job[k] for k in DEFINITION_PARTS if job.get(k) not in (None, [])}
        console.print_json(json.dumps(definition))

    return _out(args, job, render)


def jobs_create(client: ApiClient, args: argparse.Namespace) -> int:
    text, shown, path = _job_source(args.source)
    job_id = args.id or _declared_id(text, shown)
    if path is not None and (path.parent.name, path.parent.parent.name) == RESOURCES_JOBS:
        job_id = job_id_from_filename(path.name)  # a job file's ID is its name, as in git
    elif job_id is None and path is not None:
        job_id = job_id_from_filename(path.name)
    if not job_id:
        raise ClientError(
            f'{shown}: the Job needs an ID: put "id" in it, pass --id, or name the file '
            "<job-id>.job.jsonc"
        )
    # The server makes the same checks; here they come with positions in the user's text.
    result = load_job_file_text(text, f"{job_id}.job.jsonc")
    if result.problems:
        raise ClientError("\n".join(str(replace(p, file=shown)) for p in result.problems))
    document = json5.loads(text)
    data = client.project("POST", "/jobs", {**document, "id": job_id})
    return _out(args, data, lambda c: c.print(f"created job {job_id}"))


def _job_source(source: str) -> tuple[str, str, Path | None]:
    """The text of ``jobs create SOURCE``, how to name it in messages, and its file if any:
    ``-`` is stdin, ``@FILE`` and ``FILE`` a file, text starting with ``{`` the Job itself."""
    if source == "-":
        return sys.stdin.read(), "<stdin>", None
    if source.lstrip().startswith("{"):
        return source, "<argument>", None
    path = Path(source.removeprefix("@"))
    try:
        return path.read_text(encoding="utf-8"), str(path), path
    except OSError as exc:
        raise ClientError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ClientError(f"{path}: not UTF-8 text; save it as UTF-8") from None


def _declared_id(text: str, shown: str) -> str | None:
    """The document's own ``id``, if it has one (other problems are reported later)."""
    try:
        data = parse_json5(text).data
    except SyntaxProblem as exc:
        raise ClientError(str(Problem(shown, exc.position, exc.message))) from None
    declared = data.get("id") if isinstance(data, dict) else None
    return declared if isinstance(declared, str) and declared else None


def jobs_trigger(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("POST", f"/jobs/{args.job_id}/trigger")
    run = data["jobRun"]
    text = f"{data['jobRunId']} {run['status']} ({run['payloads']} payload items)"
    return _out(args, data, lambda c: c.print(text))


def jobs_pause(client: ApiClient, args: argparse.Namespace) -> int:
    body = None if args.note is None else {"note": args.note}
    data = client.project("POST", f"/jobs/{args.job_id}/pause", body)
    return _out(args, data, lambda c: c.print(f"paused job {args.job_id}"))


def jobs_resume(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("POST", f"/jobs/{args.job_id}/resume")
    return _out(args, data, lambda c: c.print(f"resumed job {args.job_id}"))


def jobs_delete(client: ApiClient, args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise ClientError("refusing to delete without confirmation: pass --yes", code=2)
        answer = input(f"delete job {args.job_id} and terminate its active JobRun? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("not deleted")
            return 1
    client.project("DELETE", f"/jobs/{args.job_id}")
    data = {"id": args.job_id, "message": "deleted"}
    return _out(args, data, lambda c: c.print(f"deleted job {args.job_id}"))


# ----------------------------------------------------------------------------------- jobruns
def _job_run_row(table: Table, run: dict[str, Any]) -> None:
    table.add_row(
        run["id"],
        run["type"],
        run["status"],
        str(run["payloads"]),
        str(run["successful_runs"]),
        str(run["failed_runs"]),
        run["created_at"],
        run["end_time"] or "-",
    )


def jobruns_list(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("GET", f"/jobs/{args.job_id}/runs", pageSize=args.limit)

    def render(console: Console) -> None:
        table = Table(
            "ID", "TYPE", "STATUS", "PAYLOADS", "OK", "FAILED", "CREATED", "ENDED", box=None
        )
        for run in data["jobRuns"]:
            _job_run_row(table, run)
        console.print(table)

    return _out(args, data, render)


def jobruns_get(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("GET", f"/job-runs/{args.jobrun_id}")

    def render(console: Console) -> None:
        run = data["jobRun"]
        console.print(f"{run['id']} of job {run['job_id']}: {run['status']} ({run['type']})")
        console.print(
            f"payloads {run['payloads']}, succeeded {run['successful_runs']}, "
            f"failed {run['failed_runs']}"
        )
        console.print(f"started {run['start_time']}, ended {run['end_time'] or '-'}")
        if run["reason"]:
            console.print(f"reason: {run['reason']['type']}: {run['reason']['message']}")
        if run["error"]:
            console.print(f"error: {run['error']['code']}: {run['error']['message']}")
        if data.get("results"):
            console.print(f"results: {data['results']['signed_url']}")

    return _out(args, data, render)


def jobruns_runs(client: ApiClient, args: argparse.Namespace) -> int:
    query = {"status": args.status, "api": args.api, "errorCode": args.error_code}
    query |= {"limit": args.limit, "cursor": args.cursor}
    data = client.project(
        "GET",
        f"/job-runs/{args.jobrun_id}/runs",
        **{k: v for k, v in query.items() if v is not None},
    )

    def render(console: Console) -> None:
        table = Table("RUN", "API", "STATUS", "ATTEMPTS", "ENDED", "ERROR", box=None)
        for run in data["runs"]:
            ended = run["endedAt"] or "-"
            attempts, error = str(run["attempts"]), _error_text(run["error"])
            table.add_row(run["id"], run["api"], run["status"], attempts, ended, error)
        console.print(table)
        if data["nextCursor"]:
            console.print(f"more: --cursor {data['nextCursor']}")

    return _out(args, data, render)


def jobruns_run(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("GET", f"/job-runs/{args.jobrun_id}/runs/{args.run_id}")

    def render(console: Console) -> None:
        run = data["run"]
        console.print(
            f"{run['id']} ({run['api']}): {run['status']} after {run['attempts']} attempt(s)"
        )
        console.print(f"parameters: {json.dumps(run['parameters'])}")
        if run["status"] == "SUCCEEDED":
            console.print(f"result: {json.dumps(run['result'])}")
        table = Table("#", "OUTCOME", "STARTED", "MS", "ERROR", "LOG", "TRACE", box=None)
        for attempt in data["attempts"]:
            error = _error_text(attempt["error"])
            duration = "-" if attempt["durationMs"] is None else str(attempt["durationMs"])
            links = (attempt["logUrl"] or "-", attempt["traceUrl"] or "-")
            started = attempt["startedAt"] or "-"
            table.add_row(
                str(attempt["number"]), attempt["outcome"], started, duration, error, *links
            )
        console.print(table)

    return _out(args, data, render)


def _error_text(error: dict[str, Any] | None) -> str:
    return "" if error is None else f"{error['code']}: {error['message']}"


def jobruns_terminate(client: ApiClient, args: argparse.Namespace) -> int:
    found = client.project("GET", f"/job-runs/{args.jobrun_id}")["jobRun"]
    data = client.project("POST", f"/jobs/{found['job_id']}/runs/{args.jobrun_id}/terminate")
    status = data["jobRun"]["status"]
    return _out(args, data, lambda c: c.print(f"{args.jobrun_id} {status}"))


def jobruns_watch(client: ApiClient, args: argparse.Namespace) -> int:
    """A live bar of succeeded/failed over all payloads, with pending and running counts, until
    the JobRun ends; exit 0 when it COMPLETED without failures (like ``jobctl run``)."""
    path = f"/job-runs/{args.jobrun_id}/progress"
    state = client.project("GET", path)
    if args.json:  # one JSON line per change, for scripts
        last = None
        while True:
            if state != last:
                print(json.dumps(state), flush=True)
                last = state
            if state["status"] in FINAL_JOB_RUN:
                return _watch_code(state)
            time.sleep(WATCH_INTERVAL_S)
            state = client.project("GET", path)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[counts]}"),
    )
    with Progress(*columns, console=Console(stderr=False), transient=False) as progress:
        task = progress.add_task(args.jobrun_id, total=max(1, state["payloads"]), counts="")
        while True:
            done = state["succeeded"] + state["failed"] + state["terminated"]
            counts = (
                f"{state['status']}: {state['pending']} pending, {state['running']} running, "
                f"{state['succeeded']} succeeded, {state['failed']} failed"
                + waiting_text(state.get("waitingFor"))
            )
            progress.update(task, total=max(1, state["payloads"]), completed=done, counts=counts)
            if state["status"] in FINAL_JOB_RUN:
                break
            time.sleep(WATCH_INTERVAL_S)
            state = client.project("GET", path)
    return _watch_code(state)


def waiting_text(waiting: dict[str, Any] | None) -> str:
    if waiting is None:
        return ""
    position = f" #{waiting['position']}" if waiting.get("position") else ""
    return f"; waiting for {waiting['reason']}{position}"


def _watch_code(state: dict[str, Any]) -> int:
    if state["status"] != "COMPLETED":
        return 2
    return 1 if state["failed"] else 0
