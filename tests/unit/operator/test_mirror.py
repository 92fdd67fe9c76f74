"""The operator's records of the objects it mirrors: created when they appear, gone with them."""

from __future__ import annotations

from controller.operator.mirror import Mirror
from controller.spec.kube import JobSourceInfo


def a_job(name: str) -> dict[str, object]:
    return {"metadata": {"name": name, "uid": f"uid-{name}", "generation": 2}, "spec": {}}


def test_a_deleted_job_takes_its_records_and_its_job_runs_records_with_it() -> None:
    mirror = Mirror()
    mirror.job_seen("books", a_job("books"), JobSourceInfo(kind="api"))
    mirror.job_run("jr_1", "books")
    mirror.job_run("jr_2", "other")
    mirror.spec_invalid(("jobs", "books"), "Secret missing")
    mirror.definition_read(("jobs", "books"), a_job("books"), frozenset({"creds"}))
    assert mirror.invalid() == 1
    mirror.resource_gone(("jobs", "books"))
    assert (mirror.jobs, list(mirror.job_runs), mirror.definitions) == ({}, ["jr_2"], {})
    assert mirror.invalid() == 0


def test_the_repo_syncs_verdict_replaces_the_last_and_names_what_changed() -> None:
    mirror = Mirror()
    assert mirror.file_problems_changed({"a": "bad", "b": "bad"}) == ["a", "b"]
    assert mirror.file_problems_changed({"a": "bad", "c": "worse"}) == ["b", "c"]
    assert mirror.file_problems == {"a": "bad", "c": "worse"}
    assert mirror.file_problems_changed({}) == ["a", "c"] and mirror.invalid() == 0
