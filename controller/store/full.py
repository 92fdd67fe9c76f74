"""A full state volume, said as such: whatever write found it full names where."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class StateFullError(Exception):
    def __init__(self, where: str | Path) -> None:
        super().__init__(
            f"{where}: no space left on its volume; free space and start again (everything "
            "saved before is kept, and active JobRuns resume)"
        )


def is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)
