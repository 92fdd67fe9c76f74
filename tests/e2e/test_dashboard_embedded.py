"""The dashboard of a real ``jobctl run`` on the bookstore demo, in a real browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.demo_site.server import static_server
from tests.support.controller_process import ROOT, RunningController, start_controller

from .dashboard import (
    accessible,
    backfill_from_the_job_page,
    chromium,
    failures_grouped_then_rerun,
    live_log_while_it_runs,
    open_job_run_from_trigger,
    open_run_with_two_attempts,
    open_trace,
    page_through_runs,
    pause_with_note,
    rerun_one_run,
    shot,
    sign_in,
    terminate_matching_while_it_runs,
    timeline_synced_with_the_runs_table,
    watch_until_completed,
)
from .pages import Dashboard


@pytest.fixture
def bookstore() -> Iterator[str]:
    server = static_server(ROOT / "examples" / "bookstore" / "site")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def controller(tmp_path: Path, bookstore: str) -> Iterator[RunningController]:
    job = {
        "payload": [
            {"apiName": "list-categories", "parameters": {"baseUrl": bookstore}},
            {"apiName": "flaky", "parameters": {"baseUrl": bookstore}},
        ],
        "configuration": {
            "maxConcurrentRequests": 4,
            "retry": {"maximumAttempts": 3},
            "trace": "full",
        },
    }
    hourly = {
        "payload": [
            {"apiName": "flaky", "parameters": {"baseUrl": bookstore, "succeedOnAttempt": 1}}
        ],
        "schedule": {"intervals": [{"every": "1h"}]},
    }
    unknown = [{"apiName": f"no-such-api-{n}", "parameters": {}} for n in range(3)]
    slow = {"apiName": "browse-slowly", "parameters": {"baseUrl": bookstore, "steps": 5}}
    slower = {**slow, "parameters": {"baseUrl": bookstore, "steps": 8}}
    jobs: dict[str, dict[str, Any]] = {
        "bookstore-demo": job,
        "hourly": hourly,
        "misnamed": {"payload": unknown},
        "slow": {"payload": [slow]},
        "three-slow": {"payload": [slower] * 3, "configuration": {"maxConcurrentRequests": 1}},
    }
    running = start_controller(tmp_path, jobs, project=ROOT / "examples" / "bookstore")
    yield running
    running.stop()


def test_the_demo_from_trigger_to_trace_in_the_dashboard(controller: RunningController) -> None:
    """Sign in, trigger the demo, watch it complete, page through its 47 Runs, open the flaky
    Run's two attempts, read a log, open a trace in the trace viewer, see the AuthSessions,
    rerun one Run, see a failing Job's failures grouped and rerun them by filter, follow a
    running attempt's live log, terminate a running JobRun's pending Runs by filter, pause the Job with a note, backfill a scheduled Job; every page
    accessible and as wide as a 1,280 px window."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, controller.url + "/", controller.api_key)
        shot(page, "embedded-jobs")
        accessible(page, "the Jobs page")
        job_run_id = open_job_run_from_trigger(page, "bookstore-demo", "embedded")
        accessible(page, "the Job page")
        watch_until_completed(page, "embedded")
        assert page.get_by_text("47 succeeded, 0 failed").count() == 1
        accessible(page, "the JobRun page")
        timeline_synced_with_the_runs_table(page, 48)  # 47 Runs, the flaky one twice
        page_through_runs(page, 47)
        open_run_with_two_attempts(page, "flaky", "embedded")
        accessible(page, "the Run page")
        open_trace(page, "embedded")
        Dashboard(page).auth_sessions()
        shot(page, "embedded-auth-sessions")
        accessible(page, "the AuthSessions page")
        rerun_one_run(page, job_run_id, "embedded")
        Dashboard(page).jobs()
        failures_grouped_then_rerun(page, "misnamed", 3, "embedded")
        accessible(page, "the Job page with its failures")
        Dashboard(page).jobs()
        live_log_while_it_runs(page, "slow", 5, "embedded")
        accessible(page, "the Run page of a Run that ended")
        Dashboard(page).jobs()
        terminate_matching_while_it_runs(page, "three-slow", "embedded")
        pause_with_note(page, "bookstore-demo", "the bookstore is closed today", "embedded")
        backfill_from_the_job_page(page, "hourly", 3, "embedded")
