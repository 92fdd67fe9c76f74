"""``jobctl store copy``: an embedded state (its SQLite file) into a PostgreSQL database, with its
whole history, for a controller that outgrew one machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..store import POSTGRESQL_SCHEMES, open_store
from ..store.copy import DestinationNotEmpty, copy_store


def register(commands: Any) -> None:
    store = commands.add_parser("store", help="the controller's stored state")
    verbs = store.add_subparsers(dest="verb", metavar="VERB", required=True)
    copy = verbs.add_parser(
        "copy",
        help="copy a state (a SQLite file, or a database) into a new, empty PostgreSQL database",
        description="Copy every JobRun, Run, attempt, delivery, AuthSession state and API-made "
        "definition from --from into --to, which must be empty. Results files are made again "
        "from the copy by the controller that runs on it; stop the controller on --from first.",
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="STATE",
        help="a state folder or its state.db, or a PostgreSQL URL",
    )
    copy.add_argument(
        "--to", dest="destination", required=True, metavar="URL", help="a PostgreSQL URL"
    )
    copy.set_defaults(handler=store_copy)


def _location(text: str) -> str | Path:
    if text.startswith(POSTGRESQL_SCHEMES):
        return text
    path = Path(text)
    return path / "state.db" if path.is_dir() else path


def store_copy(args: argparse.Namespace) -> int:
    if not args.destination.startswith(POSTGRESQL_SCHEMES):
        print("jobctl store copy: --to must be a PostgreSQL URL", file=sys.stderr)
        return 2
    source_location = _location(args.source)
    if isinstance(source_location, Path) and not source_location.is_file():
        print(f"jobctl store copy: {source_location}: no such state file", file=sys.stderr)
        return 2
    source, destination = open_store(source_location), open_store(args.destination)
    try:
        copied = copy_store(source.db, destination.db)
    except DestinationNotEmpty as exc:
        print(f"jobctl store copy: {exc}", file=sys.stderr)
        return 1
    finally:
        source.close()
        destination.close()
    rows = ", ".join(f"{count:,} {table}" for table, count in copied.items() if count)
    print(f"copied into {destination.db.where}: {rows or 'nothing (the state was empty)'}")
    return 0
