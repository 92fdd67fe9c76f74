"""Intuned's Run API and AuthSession operations as one-off JobRuns: the Job documents they
become, and their results read back from the JobRun (its results line once it has ended)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controller.engine import JobRun
from controller.server.intuned.direct_models import RunStartIn, SessionSteps
from controller.server.intuned.direct_shapes import (
    operation_document,
    operation_result_object,
    run_document,
    run_result_object,
)
from controller.spec import load_job_file_text
from controller.vocabulary import AUTHENTICATE_ONLY_API


def job_run(status: str = "COMPLETED", *, running: bool = False) -> JobRun:
    made = JobRun("jr_1", "run.jr_1", "MANUAL", status, 0, {}, 1, 600_000)  # type: ignore[arg-type]
    made.auth_session = "member"
    if running:
        made.running.add("ru_1")
    return made


def line(**api_info: Any) -> list[dict[str, Any]]:
    return [{"apiInfo": {"result": None, "error": None, "reason": None, **api_info}}]


def test_a_run_start_body_becomes_a_valid_one_item_job_of_one_run_at_a_time() -> None:
    body = RunStartIn.model_validate(
        {
            "api": "books/details",
            "parameters": {"url": "u"},
            "retry": {"maximumAttempts": 5},
            "requestTimeout": 30,
            "proxy": "http://user:pw@proxy:8080",
            "authSession": {"id": "member", "autoRecreate": False, "checkAttempts": 2},
            "sink": {"type": "webhook", "url": "https://example.com/hook"},
            "saveTrace": True,
        }
    )
    document = run_document(body)
    loaded = load_job_file_text(json.dumps(document), "run.job.json")
    assert not loaded.problems, [p.message for p in loaded.problems]
    definition = loaded.jobs[0].definition
    assert definition.configuration.retry.maximumAttempts == 5
    assert definition.configuration.maxRuns == 1  # extend_payload has no JobRun to extend
    assert definition.auth_session is not None and definition.auth_session.autoRecreate is False
    assert definition.configuration.trace == "on"  # saveTrace


def test_an_operation_is_one_attempt_that_only_authenticates() -> None:
    steps = SessionSteps(checkAttempts=2, createAttempts=1, proxy="http://proxy:8080")
    document = operation_document("member", steps, auto_recreate=False)
    assert document["payload"] == [{"api": AUTHENTICATE_ONLY_API}]
    assert document["configuration"]["retry"] == {"maximumAttempts": 1}
    assert document["auth_session"] == {
        "id": "member",
        "checkAttempts": 2,
        "createAttempts": 1,
        "autoRecreate": False,
    }
    assert document["proxy"] == "http://proxy:8080"


@pytest.mark.parametrize(
    ("status", "running", "expected"),
    [("PENDING", False, "pending"), ("PENDING", True, "started")],
)
def test_an_active_run_is_pending_until_its_attempt_starts(
    status: str, running: bool, expected: str
) -> None:
    assert run_result_object(job_run(status, running=running), []) == {
        "runId": "jr_1",
        "status": expected,
    }


def test_an_ended_run_reads_its_results_line_with_intuned_error_codes() -> None:
    done = run_result_object(job_run(), line(result={"title": "x"}))
    assert done == {"runId": "jr_1", "status": "completed", "result": {"title": "x"}}
    error = {"code": "automation-error", "category": "execution", "message": "boom"}
    failed = run_result_object(job_run(), line(error=error))
    assert failed["status"] == "failed" and failed["message"] == "boom"
    assert failed["error"]["code"] == "script-execution-exception"
    assert failed["error"]["details"] == {"jobctlCode": "automation-error"}
    why = {"type": "job-run-terminated", "message": "terminated on request"}
    canceled = run_result_object(job_run("TERMINATED"), line(reason=why))
    assert canceled["status"] == "canceled" and canceled["reason"] == why


def test_an_operation_is_done_with_its_session_or_failed_with_the_step_that_failed() -> None:
    assert operation_result_object("create", job_run("PENDING", running=True), []) == {
        "status": "in_progress",
        "runId": "jr_1",
    }
    assert operation_result_object("validate", job_run(), line(result={})) == {
        "status": "done",
        "authSessionId": "member",
    }
    error = {"code": "auth-check-failed", "category": "auth", "message": "no"}
    checked = operation_result_object("validate", job_run(), line(error=error))
    created = operation_result_object("update", job_run(), line(error=error))
    assert checked["error"]["code"] == "auth-check-failed"
    assert created["error"]["code"] == "create-attempts-failed"
