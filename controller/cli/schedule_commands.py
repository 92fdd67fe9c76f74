"""``jobctl schedule preview``: the next fire times of a Job, explained."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..schedule import CompiledSchedule, preview_rows
from ..spec import LoadedJob, format_duration_ms, load_paths


def register(commands: Any) -> None:
    schedule = commands.add_parser("schedule", help="inspect Job schedules")
    actions = schedule.add_subparsers(dest="action", required=True, metavar="ACTION")
    preview = actions.add_parser(
        "preview",
        help="show the next fire times of a Job",
        description="Show the next fire times strictly after --from (default: now).",
    )
    preview.add_argument("target", metavar="PATH_OR_JOB_ID", help="a job file or a job ID")
    preview.add_argument(
        "--from",
        dest="start",
        metavar="ISO8601",
        type=_instant,
        help="start instant; without an offset it is taken as UTC",
    )
    preview.add_argument("--count", type=_positive, default=10, help="default: %(default)s")
    preview.add_argument("--json", action="store_true", help="print a JSON array")
    preview.add_argument(
        "--resources",
        default="intuned-resources",
        help="where job IDs are looked up (default: %(default)s)",
    )
    preview.set_defaults(handler=run_preview)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 instant, e.g. 2026-03-08T00:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError("--count takes a whole number from 1 to 100000")
    return int(text)


def run_preview(args: argparse.Namespace) -> int:
    job = _find_job(args.target, Path(args.resources))
    if job is None:
        return 1
    spec = job.definition.schedule
    start = args.start or datetime.now(UTC)
    if spec is None:
        print(f"job {job.job_id!r} has no schedule; it runs only when triggered", file=sys.stderr)
        if args.json:
            print("[]")
        return 0
    schedule = CompiledSchedule(spec)
    rows = preview_rows(job.job_id, spec, int(start.timestamp() * 1000), args.count)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print_table(job, schedule, rows)
    if len(rows) < args.count:
        print(
            f"the schedule fires only {len(rows)} more time(s) (calendars end in 2100)",
            file=sys.stderr,
        )
    return 0


def _print_table(job: LoadedJob, schedule: CompiledSchedule, rows: list[dict[str, Any]]) -> None:
    spec = schedule.spec
    title = f"{job.job_id}: next {len(rows)} fire time(s), time zone {spec.timeZone}"
    if spec.jitter:
        title += f", jitter up to {format_duration_ms(spec.jitter)}"
    table = Table(title=title, title_justify="left")
    for column in ("#", "UTC", f"Local ({spec.timeZone})", "Source", "Comment"):
        table.add_column(column)
    if spec.jitter:
        table.add_column("Fires at (with jitter)")
    for number, row in enumerate(rows, 1):
        by_label = {s.label: s for s in schedule.sources}
        source = ", ".join(
            f"{label} ({by_label[label].summary})" if label.startswith("intervals") else label
            for label in row["sources"]
        )
        cells = [str(number), row["time"], row["local_time"], source, row["comment"] or ""]
        if spec.jitter:
            cells.append(row["fire_time"])
        table.add_row(*cells)
    Console(width=160).print(table)


def _find_job(target: str, resources: Path) -> LoadedJob | None:
    path = Path(target)
    result = load_paths([path] if path.exists() else [resources])
    candidates = result.jobs if path.exists() else [j for j in result.jobs if j.job_id == target]
    problems = [p for p in result.problems if path.exists() or _is_job_file(p.file, target)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return None
    if len(candidates) != 1:
        where = str(path) if path.exists() else f"{resources}/jobs"
        what = "several jobs" if candidates else f"no job {target!r}"
        print(
            f"jobctl schedule preview: {where} holds {what}; name one job file or job ID",
            file=sys.stderr,
        )
        return None
    return candidates[0]


def _is_job_file(file: str, job_id: str) -> bool:
    name = Path(file).name
    return name.startswith(f"{job_id}.")
