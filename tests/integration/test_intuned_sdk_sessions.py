"""Intuned's own Python SDK against a real ``jobctl run`` with real Chromium workers on the
bookstore example and its demo site: every call of its ``auth_sessions`` service (list, get,
delete; create, update and validate, started and polled) and of its ``runs`` service (the
direct Run API), unchanged, with only ``base_url`` pointing at us."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.controller_process import ROOT, RunningController, start_controller
from tests.support.demo_site import demo_site
from tests.support.intuned_sdk import SDK_PYTHON, SESSIONS_CALLS, drive

PASSWORD = "sdk-member-7c2e"


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    if not SDK_PYTHON.exists():
        pytest.fail(f"{SDK_PYTHON} is missing: run `make intuned-sdk`", pytrace=False)
    with demo_site(PASSWORD) as site:
        session = {"credentials": {"username": "reader", "password": {"env": "MEMBER_PASSWORD"}}}
        running = start_controller(
            tmp_path_factory.mktemp("sdk-sessions"),
            {},
            project=ROOT / "examples" / "bookstore",
            auth_sessions={"member": session},
            env={"BOOKSTORE_URL": site, "MEMBER_PASSWORD": PASSWORD},
        )
        yield running
        running.stop()


def test_every_auth_sessions_and_runs_call_of_the_sdk_works_unchanged(
    controller: RunningController,
) -> None:
    orders = {"api": "members/orders", "parameters": {"passes": 1}}
    credentials = {"username": "reader", "password": PASSWORD}
    args = ["api", "member", json.dumps(orders), json.dumps(credentials)]
    seen = drive(
        controller.url, controller.api_key, "ws-test", "shop", *args, script=SESSIONS_CALLS
    )
    assert seen["listed"] == [["member", "CREDENTIALS"]]
    assert seen["file_status"] == "PENDING"  # never created yet
    assert seen["validated"] == [["failed", "auth-check-failed"], ["done", None]]
    assert seen["file_status_after"] == "READY"
    assert seen["created"] == ["done", "sdk-session"]
    assert seen["updated"] == [
        ["failed", "create-attempts-failed"],
        "EXPIRED",
        ["done", None],
        "READY",
    ]
    assert seen["run_with_session"] == ["completed", {"orders": 6}]
    assert seen["run_missing_api"] == ["failed", "script-unexpected-error"]
    assert seen["after_delete"] == ["member"]
