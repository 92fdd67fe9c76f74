"""Located problems: the one shape every user-facing validation error takes.

A problem always names a file and a 1-based line and column, because the person reading it is
looking at that file in an editor. Problems are values, never exceptions, so a loader can report
every problem in a file at once and a controller can keep running the jobs that are valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DataPath = tuple[str | int, ...]
"""Where a value sits inside a parsed document: object keys and list indexes, outermost first."""


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


START = Position(1, 1)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, pointing at the key or value to change."""

    file: str
    position: Position
    message: str
    data_path: DataPath = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.position.line}:{self.position.column}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.position.line,
            "column": self.position.column,
            "path": format_data_path(self.data_path),
            "message": self.message,
        }


def format_data_path(path: DataPath) -> str:
    """Render a data path the way people write it: ``schedule.calendars[0].hour``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
