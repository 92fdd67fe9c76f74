"""Intuned's own Python SDK (``intuned-client`` 1.1.1, in its own virtualenv under ``.cache/``)
against a real ``jobctl run``: every call of its ``jobs`` and ``jobs.runs`` services, unchanged,
with only ``base_url`` pointing at us. The SDK validates every response with its pydantic
models, so a shape or status code that differs from Intuned's raises in the SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from controller.engine import Identity
from tests.support.controller_process import RunningController, start_controller
from tests.support.intuned_sdk import SDK_PYTHON, drive


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    if not SDK_PYTHON.exists():
        pytest.fail(f"{SDK_PYTHON} is missing: run `make intuned-sdk`", pytrace=False)
    code_job = {"payload": [{"apiName": "echo"}]}
    running = start_controller(
        tmp_path_factory.mktemp("sdk"), {"code-job": code_job}, fake_delay="0.02,0.05"
    )
    yield running
    running.stop()


def test_every_jobs_and_job_runs_call_of_the_sdk_works_unchanged(
    controller: RunningController,
) -> None:
    seen = drive(controller.url, controller.api_key, "ws-test", "shop")
    assert seen["created"] == {"id": "sdk-job", "message": "created"}
    assert seen["got"] == {
        "state": "ACTIVE",
        "project_id": Identity.named("ws-test", "shop").project_id,
    }
    assert seen["listed"] == ["code-job", "sdk-job"]
    assert seen["updated"] == "updated job successfully"
    assert seen["paused_state"] == "PAUSED"
    assert seen["pause_messages"] == ["Paused", "Resumed"]
    assert seen["ended"] == [["COMPLETED", 2], ["COMPLETED", 2]]
    first, _second = seen["job_run_ids"]
    assert seen["pages"] == [[2, [first]], [2, [first]]]  # oldest first; then newest first
    assert seen["terminated"].endswith("TERMINATED")
    assert seen["after_delete"] == ["code-job"]
