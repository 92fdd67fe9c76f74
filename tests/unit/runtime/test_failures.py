"""Failed Runs grouped by error code and message shape: what varies between Runs of one kind
of failure is folded, what tells kinds apart is kept."""

from __future__ import annotations

from typing import Any

import pytest

from controller.runtime.failures import group_failures, message_shape


@pytest.mark.parametrize(
    ("message", "shape"),
    [
        ("item 17 not found", "item <n> not found"),
        ("GET https://shop.test/p?id=4 returned 503", "GET <url> returned <n>"),
        ('no element "#buy-7" on the page', 'no element "…" on the page'),
        ("attempt ru_3f9a8b2c.2 timed out after 30s", "attempt <id>.<n> timed out after <n>s"),
        ("session 9f86d081884c7d65 expired", "session <id> expired"),
        ("the API raised ValueError", "the API raised ValueError"),
    ],
)
def test_a_message_shape_folds_what_varies_between_runs(message: str, shape: str) -> None:
    assert message_shape(message) == shape


def row(code: str | None, message: str, count: int, first: int, last: int, job_run: str) -> Any:
    return {
        "code": code,
        "message": message,
        "count": count,
        "first_ended_at": first,
        "last_ended_at": last,
        "job_run_id": job_run,
    }


def test_groups_merge_messages_of_one_shape_and_the_latest_failure_comes_first() -> None:
    groups = group_failures(
        [
            row("api-not-found", "no such API (item 3)", 2, 100, 300, "jr_a"),
            row("script-timeout", "did not finish within 30s", 1, 50, 900, "jr_b"),
            row("api-not-found", "no such API (item 12)", 4, 20, 200, "jr_b"),
            row(None, "", 1, 10, 10, "jr_a"),
        ]
    )
    assert [(g.code, g.count) for g in groups] == [
        ("script-timeout", 1),
        ("api-not-found", 6),
        ("unknown", 1),
    ]
    merged = groups[1]
    assert (merged.first_ended_at, merged.last_ended_at) == (20, 300)
    assert merged.latest_message == "no such API (item 3)"
    assert merged.job_run_ids == ["jr_a", "jr_b"]


def test_one_code_with_messages_of_different_shapes_is_two_groups() -> None:
    groups = group_failures(
        [
            row("execution", "selector #a not found", 1, 1, 1, "jr"),
            row("execution", "navigation failed", 1, 2, 2, "jr"),
        ]
    )
    assert [g.shape for g in groups] == ["navigation failed", "selector #a not found"]
