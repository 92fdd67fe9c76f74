"""``jobctl jobs backfill|failures`` and ``jobctl jobruns rerun|terminate-runs|failures``:
operating Jobs beyond Intuned's verbs (the REST API's extensions of the same names)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from ..vocabulary import RUN_STATUSES
from .api_client import ApiClient, ClientError
from .verbs import out, verb


def add_job_verbs(verbs: Any) -> None:
    backfill = verb(
        verbs,
        "backfill",
        "run a Job's schedule ticks in [--from, --to) as SCHEDULED JobRuns, one after another",
        jobs_backfill,
        "JOB_ID",
    )
    backfill.add_argument("--from", dest="start", required=True, metavar="ISO8601")
    backfill.add_argument("--to", dest="end", required=True, metavar="ISO8601")
    backfill.add_argument("--dry-run", action="store_true", help="list the ticks, run nothing")
    add_failures_verb(verbs, of="Job")


def add_job_run_verbs(verbs: Any) -> None:
    rerun = verb(
        verbs,
        "rerun",
        "run chosen Runs of a JobRun again, as a new JobRun of its Job",
        jobruns_rerun,
        "JOBRUN_ID",
    )
    chosen = rerun.add_mutually_exclusive_group()
    chosen.add_argument("--failed", action="store_true", help="every Run that ended FAILED")
    chosen.add_argument(
        "--run", dest="runs", action="append", metavar="RUN_ID", help="this Run (repeatable)"
    )
    _add_filter(rerun, "or every Run that matches (as `jobctl jobruns runs` filters them)")
    rerun.add_argument(
        "--dry-run", action="store_true", help="say how many Runs it would rerun, run nothing"
    )
    ending = verb(
        verbs,
        "terminate-runs",
        "end a running JobRun's unfinished Runs that match the filter (all without one); the "
        "JobRun goes on with the others",
        jobruns_terminate_runs,
        "JOBRUN_ID",
    )
    _add_filter(ending, "the Runs to end (as `jobctl jobruns runs` filters them)")
    ending.add_argument(
        "--dry-run", action="store_true", help="say how many Runs it would end, end nothing"
    )
    add_failures_verb(verbs, of="JobRun")


def _add_filter(parser: Any, title: str) -> None:
    matching = parser.add_argument_group(title)
    matching.add_argument("--status", choices=RUN_STATUSES)
    matching.add_argument("--api", metavar="API_NAME")
    matching.add_argument("--error-code", metavar="CODE")
    matching.add_argument("--search", metavar="TEXT", help="text in the Run's parameters")


def _matching(args: argparse.Namespace) -> dict[str, str]:
    """The filter options given, as the API's ``filter`` names them."""
    given = (
        ("status", args.status),
        ("api", args.api),
        ("errorCode", args.error_code),
        ("search", args.search),
    )
    return {name: value for name, value in given if value is not None}


def add_failures_verb(verbs: Any, *, of: str) -> None:
    """``jobctl jobs failures JOB_ID`` and ``jobctl jobruns failures JOBRUN_ID``."""
    verb(
        verbs,
        "failures",
        f"the {of}'s failed Runs grouped by error code and message shape, the latest first",
        show_failures,
        "JOB_ID" if of == "Job" else "JOBRUN_ID",
    )


def show_failures(client: ApiClient, args: argparse.Namespace) -> int:
    job_id = getattr(args, "job_id", None)
    path = f"/jobs/{job_id}/failures" if job_id else f"/job-runs/{args.jobrun_id}/failures"
    data = client.project("GET", path)

    def render(console: Console) -> None:
        table = Table("count", "error code", "latest message", "first seen", "last seen", box=None)
        for group in data["groups"]:
            table.add_row(
                str(group["count"]),
                group["errorCode"],
                group["latestMessage"],
                group["firstSeen"],
                group["lastSeen"],
            )
        console.print(table)
        console.print(f"{data['failedRuns']} failed Run(s) in {len(data['groups'])} group(s)")

    return out(args, data, render)


def jobs_backfill(client: ApiClient, args: argparse.Namespace) -> int:
    body = {"from": args.start, "to": args.end, "dryRun": args.dry_run}
    data = client.project("POST", f"/jobs/{args.job_id}/backfill", body)

    def render(console: Console) -> None:
        table = Table("scheduled time", "JobRun", "state", box=None)
        for tick in data["ticks"]:
            table.add_row(tick["scheduledTime"], tick["jobRunId"], tick["state"])
        console.print(table)
        console.print(data["message"])

    return out(args, data, render)


def jobruns_rerun(client: ApiClient, args: argparse.Namespace) -> int:
    if args.runs is not None and not all(args.runs):
        raise ClientError("--run needs a Run ID (ru_...)", code=2)
    matching = _matching(args)
    if (args.failed or args.runs is not None) == bool(matching):
        raise ClientError(
            "say which Runs: --failed, --run RUN_ID, or a filter (--status, --api, "
            "--error-code, --search)",
            code=2,
        )
    body: dict[str, Any] = {"dryRun": args.dry_run}
    if matching:
        body["filter"] = matching
    else:
        body["runs"] = "failed" if args.failed else args.runs
    data = client.project("POST", f"/job-runs/{args.jobrun_id}/rerun", body)
    if args.dry_run:
        return out(args, data, lambda console: console.print(data["message"]))
    run = data["jobRun"]
    text = f"{data['jobRunId']} {run['status']} ({run['payloads']} payload items)"
    return out(args, data, lambda console: console.print(text))


def jobruns_terminate_runs(client: ApiClient, args: argparse.Namespace) -> int:
    body = {"filter": _matching(args), "dryRun": args.dry_run}
    data = client.project("POST", f"/job-runs/{args.jobrun_id}/runs/terminate", body)
    return out(args, data, lambda console: console.print(data["message"]))
