"""Spelling variants normalise to one canonical document."""

from __future__ import annotations

import pytest

from controller.spec import load_job_file_text


def canonical(text: str) -> dict[str, object]:
    result = load_job_file_text(text, "job.job.jsonc")
    assert not result.problems, [str(p) for p in result.problems]
    return result.jobs[0].definition.canonical()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ('{payload: [{api: "x"}]}', '{payload: [{apiName: "x"}]}'),
        (
            '{payload: [{api: "x"}], configuration: {maxConcurrentRequests: 3}}',
            '{payload: [{api: "x"}], configuration: {maximumConcurrentRequests: 3}}',
        ),
        (
            '{payload: [{api: "x"}], auth_session: {id: "s"}}',
            '{payload: [{api: "x"}], authSession: {id: "s"}}',
        ),
        (
            '{payload: [{api: "x"}], schedule: {calendars: [{dayOfWeek: "MON-FRI", hour: 9}]}}',
            '{payload: [{api: "x"}], schedule: {calendars: [{dayOfWeek: {start: "monday", end: 5}, hour: "9"}]}}',
        ),
        (
            '{payload: [{api: "x"}], schedule: {intervals: [{every: "1h"}]}}',
            '{payload: [{api: "x"}], schedule: {intervals: [{every: 3600000}]}}',
        ),
    ],
)
def test_spelling_variants_give_the_same_canonical_document(one: str, other: str) -> None:
    assert canonical(one) == canonical(other)


def test_canonical_names_are_the_api_snapshot_names() -> None:
    doc = canonical(
        '{payload: [{api: "x"}], configuration: {maximumConcurrentRequests: 3}, authSession: {id: "s"}}'
    )
    assert doc["payload"] == [{"apiName": "x", "parameters": {}}]
    assert doc["configuration"] == {
        "retry": {"maximumAttempts": 3},
        "maxConcurrentRequests": 3,
        "requestTimeout": 600,
    }
    assert doc["auth_session"] == {"id": "s", "checkAttempts": 3, "createAttempts": 3}
