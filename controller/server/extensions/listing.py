"""Paging and sorting of listed JobRuns, as Intuned's API takes them: ``pageSize``,
``pageNumber`` (from 0) and ``sortBy`` (``field,direction`` terms joined by ``/``, e.g.
``start_time,desc/status,asc``). Pure: records in, a page out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...engine import JobRun

DEFAULT_SORT = "created_at,desc"
SORT_KEYS: dict[str, Callable[[JobRun], Any]] = {
    "created_at": lambda r: r.created_at,
    "start_time": lambda r: r.start_time or r.created_at,
    "end_time": lambda r: r.end_time or 0,
    "updated_at": lambda r: max(r.updated_at, r.created_at),
    "status": lambda r: r.status,
    "type": lambda r: r.type,
    "id": lambda r: r.id,
}


class SortError(ValueError):
    pass


def sorted_job_runs(job_runs: Sequence[JobRun], sort_by: str) -> list[JobRun]:
    """Sorted by each term in turn (the first decides, later ones break ties); ties left after
    every term keep newest first."""
    terms = []
    for term in (t.strip() for t in sort_by.split("/") if t.strip()):
        field, _, direction = (part.strip() for part in term.partition(","))
        if field not in SORT_KEYS or direction.lower() not in ("", "asc", "desc"):
            raise SortError(
                f"sortBy term {term!r} is not field[,asc|desc] with a field among "
                f"{', '.join(SORT_KEYS)}"
            )
        terms.append((SORT_KEYS[field], direction.lower() == "desc"))
    ordered = sorted(job_runs, key=lambda r: (r.created_at, r.id), reverse=True)
    for key, descending in reversed(terms):  # stable sorts: the last pass is the first term
        ordered.sort(key=key, reverse=descending)
    return ordered


def page(items: Sequence[Any], size: int, number: int) -> list[Any]:
    return list(items[size * number : size * (number + 1)])
