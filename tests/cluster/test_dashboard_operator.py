"""The operator's dashboard and attempts' artifacts on the real control plane: Pods upload their
traces and logs to the operator before they report, so a successful attempt's trace is still
served after its Pod is deleted, and the dashboard opens it in the trace viewer; a running
attempt's log streams from its Pod into the Run page."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx
from kubernetes import client
from playwright.sync_api import expect

from tests.e2e.dashboard import (
    chromium,
    live_log_while_it_runs,
    open_job_run_from_trigger,
    open_run_with_two_attempts,
    open_trace,
    shot,
    watch_until_completed,
)
from tests.support.waiting import wait_for

from ._kube import apply


def test_pod_artifacts_outlive_their_pods_and_open_in_the_operators_dashboard(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    book = site + "books/seven-clocks.html"
    apply(
        api,
        namespace,
        "Job",
        "traced",
        {
            "payload": [
                {"apiName": "flaky", "parameters": {"baseUrl": site}},
                {"apiName": "books/details", "parameters": {"url": book}},
            ],
            "configuration": {
                "maxConcurrentRequests": 2,
                "retry": {"maximumAttempts": 2},
                "trace": "full",
            },
            "worker": {"mode": "pod"},  # a Pod per attempt, deleted once it succeeded
        },
    )
    core = client.CoreV1Api(api)

    def pods() -> list[Any]:
        selector = "intuned.io/job=traced"
        return list(core.list_namespaced_pod(namespace, label_selector=selector).items)

    with chromium() as browser:
        page = browser.new_page()
        page.goto(operator["api"] + "/")  # no API key: loopback only, no sign-in
        expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
        shot(page, "operator-jobs")
        job_run_id = open_job_run_from_trigger(page, "traced", "operator")
        watch_until_completed(page, "operator")
        wait_for(
            lambda: not [p for p in pods() if p.status.phase == "Succeeded"] or None,
            60,
            "the succeeded attempt Pods to be deleted",
        )
        base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
        runs = httpx.get(f"{base}/job-runs/{job_run_id}/runs", timeout=10).json()["runs"]
        book_run = next(run for run in runs if run["api"] == "books/details")
        assert book_run["traceUrl"].startswith(f"{operator['api']}/artifacts/{job_run_id}/")
        trace = httpx.get(book_run["traceUrl"], timeout=10)
        assert trace.status_code == 200, trace.text
        assert "trace.trace" in zipfile.ZipFile(io.BytesIO(trace.content)).namelist()
        assert "Traceback" not in httpx.get(book_run["logUrl"], timeout=10).text
        open_run_with_two_attempts(page, "flaky", "operator")
        open_trace(page, "operator")
        slow = {"apiName": "browse-slowly", "parameters": {"baseUrl": site, "steps": 5}}
        apply(api, namespace, "Job", "slow", {"payload": [slow], "worker": {"mode": "pod"}})
        page.goto(operator["api"] + "/")
        live_log_while_it_runs(page, "slow", 5, "operator")  # from the attempt's Pod
