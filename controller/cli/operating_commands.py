"""``jobctl jobs backfill`` and ``jobctl jobruns rerun``: operating Jobs beyond Intuned's verbs
(the REST API's extensions of the same names)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

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


def add_job_run_verbs(verbs: Any) -> None:
    rerun = verb(
        verbs,
        "rerun",
        "run chosen Runs of a JobRun again, as a new JobRun of its Job",
        jobruns_rerun,
        "JOBRUN_ID",
    )
    chosen = rerun.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--failed", action="store_true", help="every Run that ended FAILED")
    chosen.add_argument(
        "--run", dest="runs", action="append", metavar="RUN_ID", help="this Run (repeatable)"
    )


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
    body = {"runs": "failed" if args.failed else args.runs}
    data = client.project("POST", f"/job-runs/{args.jobrun_id}/rerun", body)
    run = data["jobRun"]
    text = f"{data['jobRunId']} {run['status']} ({run['payloads']} payload items)"
    return out(args, data, lambda console: console.print(text))
