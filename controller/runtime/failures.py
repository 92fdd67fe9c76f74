"""Failed Runs grouped by kind: one error code and messages of one shape, so that "item 17 not
found" and "item 4012 not found" are one group. Pure: it takes the store's groups of (code,
exact message) with their counts and times, and merges those whose messages differ only in
numbers, quoted text, URLs or IDs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_VARYING = re.compile(
    r"(?P<url>https?://\S+)"
    r"|(?P<quoted>\"[^\"]*\"|'[^']*')"
    r"|(?P<id>\b(?=[0-9a-z_-]*\d)[0-9a-z]+[_-][0-9a-z_-]{6,}\b|\b[0-9a-f]{8,}\b)"
    r"|(?P<number>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_PLACEHOLDERS = {"url": "<url>", "quoted": '"…"', "id": "<id>", "number": "<n>"}


def message_shape(message: str) -> str:
    """The message with what varies between Runs of one kind of failure replaced."""
    return _VARYING.sub(lambda found: _PLACEHOLDERS[found.lastgroup or "number"], message)


@dataclass
class FailureGroup:
    code: str
    shape: str
    latest_message: str
    """The message of the group's Run that failed last, as it was."""
    count: int
    first_ended_at: int
    last_ended_at: int
    job_run_ids: list[str] = field(default_factory=list)
    """The JobRuns it occurred in, the latest failure's first."""


def group_failures(rows: Iterable[Mapping[str, Any]]) -> list[FailureGroup]:
    """Groups of the store's (code, message) rows (``code``, ``message``, ``count``,
    ``first_ended_at``, ``last_ended_at``, ``job_run_id``), the latest failure first."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for row in sorted(rows, key=lambda r: -int(r["last_ended_at"] or 0)):
        code, message = str(row["code"] or "unknown"), str(row["message"] or "")
        key = (code, message_shape(message))
        group = groups.get(key)
        if group is None:
            groups[key] = group = FailureGroup(
                code, key[1], message, 0, int(row["first_ended_at"] or 0), 0
            )
        group.count += int(row["count"])
        group.first_ended_at = min(group.first_ended_at, int(row["first_ended_at"] or 0))
        group.last_ended_at = max(group.last_ended_at, int(row["last_ended_at"] or 0))
        if row["job_run_id"] not in group.job_run_ids:
            group.job_run_ids.append(str(row["job_run_id"]))
    return list(groups.values())
