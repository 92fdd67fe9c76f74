"""A full state volume, said as such: whatever write found it full names the path.

SQLite reports a full disk at COMMIT and rolls the transaction back itself; a ROLLBACK after
that fails with "no transaction is active", which used to be all the user saw. Nothing saved
before is lost: the last whole pass is on disk, and a restart after space is freed resumes.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path


class StateFullError(Exception):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path}: no space left on its volume; free space and start again (everything "
            "saved before is kept, and active JobRuns resume)"
        )


def is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection, path: Path) -> Iterator[None]:
    """One write transaction, rolled back on any failure; a full disk raises
    ``StateFullError``."""
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    except (OSError, sqlite3.OperationalError) as exc:
        if is_full(exc):
            raise StateFullError(path) from None
        raise
