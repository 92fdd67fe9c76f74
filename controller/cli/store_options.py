"""Where state is stored, shared by ``jobctl run`` and ``jobctl operator``: the SQLite file in
the state folder (the default), or a PostgreSQL database named by a URL, which several replicas
can share. The URL may hold a password: it comes from the environment (a Secret in a cluster)
rather than the command line where it can, and is never printed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..store import POSTGRESQL_SCHEMES
from ..vocabulary import STORE_VARIABLE


def add_options(parser: Any) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        default=None,
        help=f"a PostgreSQL URL (postgresql://user@host/db) to keep state in, instead of the "
        f"SQLite file STATE/state.db (default: ${STORE_VARIABLE}, else that file)",
    )


def store_location(args: argparse.Namespace) -> str | Path:
    """The store's URL, or the SQLite file in the state folder; ValueError for a URL that is
    not PostgreSQL's."""
    url = args.store or os.environ.get(STORE_VARIABLE) or None
    if url is None:
        return Path(args.state) / "state.db"
    if not url.startswith(POSTGRESQL_SCHEMES):
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        raise ValueError(
            f"--store {scheme}://...: not a PostgreSQL URL; give postgresql://user@host/db, "
            "or leave it out for the SQLite file in the state folder"
        )
    return str(url)


def unshared_files(location: str | Path, args: argparse.Namespace) -> str | None:
    """What a shared store leaves on this replica's disk without a results bucket: said at
    start, since a standby that takes over cannot serve it (results files it makes again from
    the store; attempts' traces and logs it cannot)."""
    if isinstance(location, Path) or args.results_bucket is not None:
        return None
    return (
        "warning: state is in a shared database, but attempts' traces and logs stay in "
        f"{Path(args.state) / 'attempts'} on this machine, where another replica cannot serve "
        "them; give --results-bucket to keep them in a bucket"
    )
