"""JobRuns sorted and paged as Intuned's API takes it (``sortBy=start_time,desc/status,asc``)."""

from __future__ import annotations

import pytest

from controller.engine import JobRun
from controller.server.extensions.listing import SortError, page, sorted_job_runs


def _job_run(id: str, created_at: int, status: str) -> JobRun:
    return JobRun(
        id=id,
        job_id="j",
        type="MANUAL",
        status=status,  # type: ignore[arg-type]
        created_at=created_at,
        snapshot={},
        concurrency=1,
        request_timeout_ms=1,
    )


RUNS = [_job_run("a", 1, "COMPLETED"), _job_run("b", 2, "FAILURE"), _job_run("c", 3, "COMPLETED")]


@pytest.mark.parametrize(
    ("sort_by", "ids"),
    [
        ("created_at,desc", ["c", "b", "a"]),
        ("created_at,asc", ["a", "b", "c"]),
        ("created_at", ["a", "b", "c"]),  # no direction: ascending
        ("status,asc/created_at,desc", ["c", "a", "b"]),
        ("status,desc", ["b", "c", "a"]),  # ties keep newest first
        ("", ["c", "b", "a"]),
    ],
)
def test_job_runs_sort_by_each_term_in_turn(sort_by: str, ids: list[str]) -> None:
    assert [r.id for r in sorted_job_runs(RUNS, sort_by)] == ids


@pytest.mark.parametrize("sort_by", ["colour,asc", "created_at,sideways", "created_at,desc/x"])
def test_an_unknown_sort_term_is_refused_with_the_fields_that_exist(sort_by: str) -> None:
    with pytest.raises(SortError, match="with a field among created_at, start_time"):
        sorted_job_runs(RUNS, sort_by)


def test_pages_count_from_zero_and_end_empty() -> None:
    assert [page(RUNS, 2, n) for n in range(3)] == [RUNS[:2], RUNS[2:], []]
