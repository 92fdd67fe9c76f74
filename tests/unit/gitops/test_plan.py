"""What ``jobctl apply`` would change: created, configured, unchanged, pruned."""

from __future__ import annotations

from typing import Any

import pytest

from controller.gitops import Change, Desired, plan, resource_body

SPEC = {"payload": [{"apiName": "a"}]}


def existing(
    name: str,
    spec: dict[str, Any],
    *,
    code: bool = True,
    path: str = "jobs/a.job.jsonc",
    kind: str = "Job",
) -> dict[str, Any]:
    labels = {"intuned.io/source": "code"} if code else {}
    return {
        "kind": kind,
        "spec": spec,
        "metadata": {"name": name, "labels": labels, "annotations": {"intuned.io/path": path}},
    }


WANTED = [Desired("jobs", "a", SPEC, "jobs/a.job.jsonc")]


@pytest.mark.parametrize(
    ("found", "prune", "expected"),
    [
        ([], False, [Change("created", "jobs", "a")]),
        ([existing("a", SPEC)], False, [Change("unchanged", "jobs", "a")]),
        ([existing("a", {"payload": []})], False, [Change("configured", "jobs", "a")]),
        ([existing("a", {**SPEC, "suspend": True})], False, [Change("unchanged", "jobs", "a")]),
        (
            [existing("a", SPEC, path="elsewhere.job.jsonc")],
            False,
            [Change("configured", "jobs", "a")],
        ),
        ([existing("a", SPEC, code=False)], False, [Change("configured", "jobs", "a")]),
        (
            [existing("a", SPEC), existing("gone", SPEC)],
            True,
            [Change("unchanged", "jobs", "a"), Change("pruned", "jobs", "gone")],
        ),
        ([existing("a", SPEC), existing("gone", SPEC)], False, [Change("unchanged", "jobs", "a")]),
        (
            [existing("a", SPEC), existing("by-hand", SPEC, code=False)],
            True,
            [Change("unchanged", "jobs", "a")],
        ),
        (
            [existing("a", SPEC), existing("s", {}, kind="AuthSession")],
            True,
            [Change("unchanged", "jobs", "a"), Change("pruned", "authsessions", "s")],
        ),
    ],
)
def test_plan(found: list[dict[str, Any]], prune: bool, expected: list[Change]) -> None:
    assert plan(WANTED, found, prune=prune) == expected


def test_a_resource_records_its_source_and_only_a_known_commit() -> None:
    body = resource_body(WANTED[0], "ns", None)
    assert body["metadata"]["labels"] == {"intuned.io/source": "code"}
    assert body["metadata"]["annotations"] == {"intuned.io/path": "jobs/a.job.jsonc"}
    annotations = resource_body(WANTED[0], "ns", "abc")["metadata"]["annotations"]
    assert annotations["intuned.io/commit"] == "abc"
    assert str(Change("pruned", "authsessions", "s")) == "authsession/s pruned"
