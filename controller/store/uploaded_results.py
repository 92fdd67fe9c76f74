"""Uploaded results (``RawJson``, up to 64 MiB) in their own table, held once in memory.

The Run's own row holds the result's first characters (what list pages preview); the whole
text is a row of ``uploaded_results``, written by ``Database.put_large`` (SQLite: in pieces,
never copied whole) and read with the Run (``UPLOADED``). A Run's result is set once, when it
succeeds, so a Run has at most one.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import jsontext
from ..engine import Run
from .database import Database

UPLOADED = (
    "CASE WHEN status = 'SUCCEEDED' "
    "THEN (SELECT text FROM uploaded_results WHERE run_id = runs.id) END"
)
"""A Run's uploaded result (bytes), or NULL, as a column of a query of ``runs``: looked up for
succeeded Runs only (a window of pending ones costs no lookup)."""


def keep_uploaded(db: Database, runs: Iterable[Run]) -> None:
    """Write the uploaded result of each Run that has one, in the caller's transaction (again
    when such a Run is saved again, which a Run that ended seldom is)."""
    for run in runs:
        if isinstance(run.result, jsontext.RawJson):
            db.put_large(
                "uploaded_results",
                ("run_id", run.id),
                {"job_run_id": run.job_run_id},
                ("text", run.result.text),
            )
