"""Uploaded results (``RawJson``, up to 64 MiB) in their own table, held once in memory.

Bound as a parameter, a 64 MiB text would be copied twice by SQLite (the bound value, then the
record it builds), so the row is made with a zeroblob of the text's size and the text written
into it a piece at a time. The Run's row marks it: its ``result`` is the text's first bytes as
a BLOB (where an inline result is TEXT), enough for a preview without reading the rest;
``WHOLE_RESULT`` reads the whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .. import jsontext
from ..engine import Run
from .run_queries import RESULT_PREVIEW_UNITS

_PIECE_BYTES = 1024 * 1024


def result_mark(result: jsontext.RawJson) -> bytes:
    """What the Run's row holds of an uploaded result."""
    return result.text[:RESULT_PREVIEW_UNITS]


def keep_uploaded(db: sqlite3.Connection, runs: Iterable[Run]) -> None:
    """Write the uploaded result of each Run that has one, in the caller's transaction. Again
    when a Run is saved again (rare: a Run's row changes little once it ended)."""
    for run in runs:
        if not isinstance(run.result, jsontext.RawJson):
            continue
        text = run.result.text
        row = db.execute(
            "INSERT OR REPLACE INTO uploaded_results (run_id, job_run_id, text) "
            "VALUES (?, ?, zeroblob(?))",
            (run.id, run.job_run_id, len(text)),
        ).lastrowid
        assert row is not None
        view = memoryview(text)
        with db.blobopen("uploaded_results", "text", row) as blob:
            for start in range(0, len(text), _PIECE_BYTES):
                blob.write(view[start : start + _PIECE_BYTES])
