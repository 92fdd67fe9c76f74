"""A store's whole contents into another, empty one (``jobctl store copy``): an embedded state
outgrows one machine and keeps its history in a database that replicas share.

Both stores are at the latest schema (opening migrates them), so a table's columns are the same
on both sides; rows go across a batch at a time, in one transaction on the destination (all or
nothing). Who leads (``leadership``) is not copied: it belongs to the destination's replicas.
Results files need no copy: a replica makes every one again from the Runs it finds in the store
(``ResultsFiles.reconcile``); attempts' traces and logs stay where they are kept.
"""

from __future__ import annotations

from itertools import islice

from .database import Database

TABLES = (
    "jobs",
    "job_runs",
    "job_run_snapshots",
    "runs",
    "uploaded_results",
    "attempts",
    "missed_ticks",
    "deliveries",
    "gone_targets",
    "results_objects",
    "auth_session_states",
    "api_jobs",
    "api_auth_sessions",
    "direct_jobs",
    "persistent_store",
)
_BATCH = 1_000


class DestinationNotEmpty(Exception):
    def __init__(self, where: str, table: str) -> None:
        super().__init__(
            f"{where} already holds state (its {table} table has rows); copy into a new, empty "
            "database"
        )


def copy_store(source: Database, destination: Database) -> dict[str, int]:
    """Rows copied per table. ``DestinationNotEmpty`` leaves both as they were."""
    for table in TABLES:
        if destination.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise DestinationNotEmpty(destination.where, table)
    copied: dict[str, int] = {}
    with destination.transaction():
        for table in TABLES:
            copied[table] = _copy_table(source, destination, table)
    return copied


def _copy_table(source: Database, destination: Database, table: str) -> int:
    first = source.execute(f"SELECT * FROM {table} LIMIT 1").fetchone()
    if first is None:
        return 0
    columns = list(first.keys())
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    rows = iter(source.tuples(f"SELECT {', '.join(columns)} FROM {table}"))
    count = 0
    while batch := list(islice(rows, _BATCH)):
        destination.executemany(insert, batch)
        count += len(batch)
    return count
