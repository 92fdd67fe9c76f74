"""Operating Jobs on a real ``jobctl run``, through the CLI and the REST API: rerun the failed
items, terminate the Runs that match a filter, backfill a range of ticks, pause with a note,
pause on failure, and why Runs wait."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from controller.engine.ids import scheduled_job_run_id
from tests.support.controller_process import RunningController, start_controller

from .test_cli_control import cli

MINUTE = 60_000
TWENTY = {
    "payload": [{"apiName": "echo", "parameters": {"n": n}} for n in range(15)]
    + [{"apiName": "user-error", "parameters": {"n": n}} for n in range(15, 20)],
    "configuration": {"maxConcurrentRequests": 5},
}
MINUTELY = {"payload": [{"apiName": "echo"}], "schedule": {"intervals": [{"every": "1m"}]}}
GUARDED = {
    "payload": [{"apiName": "user-error"}],
    "configuration": {"pauseOnFailure": True},
}
SLOW = {
    "payload": [{"apiName": "echo", "parameters": {"n": n}} for n in range(8)],
    "configuration": {"maxConcurrentRequests": 1},
}


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    jobs = {
        "twenty": TWENTY,
        "minutely": MINUTELY,
        "guarded": GUARDED,
        "slow": SLOW,
        "long": {
            **SLOW,
            "payload": [{"apiName": "echo", "parameters": {"n": n}} for n in range(12)],
        },
    }
    running = start_controller(tmp_path_factory.mktemp("operating"), jobs, fake_delay="0.5,0.6")
    yield running
    running.stop()


def json_of(controller: RunningController, *args: str) -> Any:
    done = cli(controller, *args, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def finished(controller: RunningController, job_run_id: str) -> dict[str, Any]:
    with controller.client() as http:
        for _ in range(300):
            got = http.get(f"{controller.base}/job-runs/{job_run_id}").json()["jobRun"]
            if got["status"] not in ("PENDING", "RUNNING", "RESUMING"):
                return dict(got)
            time.sleep(0.1)
    raise AssertionError(f"{job_run_id} did not end")


def test_rerun_failed_runs_exactly_the_failed_items(controller: RunningController) -> None:
    origin = json_of(controller, "jobs", "trigger", "twenty")["jobRunId"]
    ended = finished(controller, origin)
    assert (ended["status"], ended["successful_runs"], ended["failed_runs"]) == ("COMPLETED", 15, 5)
    failed = json_of(controller, "jobruns", "runs", origin, "--status", "FAILED")["runs"]
    rerun = json_of(controller, "jobruns", "rerun", origin, "--failed")
    job_run = rerun["jobRun"]
    assert (job_run["type"], job_run["payloads"], job_run["job_id"]) == ("MANUAL", 5, "twenty")
    assert job_run["rerunOf"] == {"jobRunId": origin, "runIds": [r["id"] for r in failed]}
    finished(controller, rerun["jobRunId"])
    runs = json_of(controller, "jobruns", "runs", rerun["jobRunId"])["runs"]
    assert [r["parameters"] for r in runs] == [r["parameters"] for r in failed]

    one = json_of(controller, "jobruns", "rerun", origin, "--run", failed[0]["id"])
    assert one["jobRun"]["payloads"] == 1
    refused = cli(controller, "jobruns", "rerun", origin, "--run", "ru_nope")
    assert refused.returncode != 0 and "no Run ru_nope" in refused.stderr


def test_failures_grouped_a_timeline_charts_and_a_filter_rerun_of_what_it_counted(
    controller: RunningController,
) -> None:
    origin = json_of(controller, "jobs", "trigger", "twenty")["jobRunId"]
    finished(controller, origin)
    failures = json_of(controller, "jobruns", "failures", origin)
    (group,) = failures["groups"]  # five messages, one shape
    assert (failures["failedRuns"], group["count"]) == (5, 5)
    assert (group["errorCode"], group["shape"]) == ("api-not-found", "no such API (item <n>)")
    assert group["latestMessage"].startswith("no such API (item ") and group["jobRunIds"] == [
        origin
    ]
    assert group["firstSeen"] <= group["lastSeen"]
    with controller.client() as http:
        timeline = http.get(f"{controller.base}/job-runs/{origin}/timeline").json()
    bars = timeline["bars"]
    assert timeline["attempts"] == len(bars) == 20 and timeline["slices"] is None
    assert {b["lane"] for b in bars} <= set(range(5))  # maxConcurrentRequests: 5 slots
    assert sorted(b["outcome"] for b in bars).count("failed") == 5
    assert all(timeline["start"] <= b["start"] < b["end"] <= timeline["end"] for b in bars)
    with controller.client() as http:
        charts = http.get(f"{controller.base}/jobs/twenty/charts").json()["jobRuns"]
    (point,) = [c for c in charts if c["jobRunId"] == origin]
    assert (point["endedRuns"], point["successRate"]) == (20, 0.75)
    assert (
        point["runsPerMinute"] > 0 and 0 < point["durationMs"]["p50"] <= point["durationMs"]["p99"]
    )
    by_job = json_of(controller, "jobs", "failures", "twenty")
    assert origin in by_job["groups"][0]["jobRunIds"] and by_job["failedRuns"] >= 5

    matching = ("--error-code", "api-not-found", "--search", "1")
    counted = json_of(controller, "jobruns", "rerun", origin, *matching, "--dry-run")
    assert (counted["dryRun"], counted["count"]) == (True, 5)  # n 15-19, each with a 1
    rerun = json_of(controller, "jobruns", "rerun", origin, *matching)
    assert rerun["jobRun"]["payloads"] == counted["count"]
    with controller.client() as http:
        path = f"{controller.base}/job-runs/{origin}/rerun"
        none = http.post(path, json={"filter": {"api": "nope"}, "dryRun": True}).json()
        assert none["count"] == 0
        refused = http.post(path, json={"filter": {"api": "nope"}})
        assert refused.status_code == 409 and "no Runs that match" in refused.text
        both = http.post(path, json={"runs": "failed", "filter": {"api": "echo"}})
        assert both.status_code == 400 and "either" in both.text
    unsaid = cli(controller, "jobruns", "rerun", origin)
    assert unsaid.returncode == 2 and "say which Runs" in unsaid.stderr
    finished(controller, rerun["jobRunId"])


def test_a_backfill_creates_each_tick_once_even_when_repeated(
    controller: RunningController,
) -> None:
    start = (int(time.time() * 1000) // MINUTE - 60) * MINUTE
    iso = [
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t / 1000))
        for t in (start, start + 10 * MINUTE)
    ]
    args = ("jobs", "backfill", "minutely", "--from", iso[0], "--to", iso[1])
    preview = json_of(controller, *args, "--dry-run")
    ticks = [start + n * MINUTE for n in range(10)]
    expected = [scheduled_job_run_id("minutely", tick) for tick in ticks]
    assert [t["jobRunId"] for t in preview["ticks"]] == expected and preview["dryRun"]
    queued = json_of(controller, *args)
    assert [t["state"] for t in queued["ticks"]] == ["queued"] * 10
    for job_run_id, tick in zip(expected, queued["ticks"], strict=True):
        ended = finished(controller, job_run_id)
        assert (ended["type"], ended["scheduled_time"]) == ("SCHEDULED", tick["scheduledTime"])
    again = json_of(controller, *args)
    assert [t["state"] for t in again["ticks"]] == ["exists"] * 10
    with controller.client() as http:
        listed = http.get(f"{controller.base}/jobs/minutely/runs", params={"pageSize": 100})
        ids = [r["id"] for r in listed.json()["jobRuns"]]
    assert all(ids.count(job_run_id) == 1 for job_run_id in expected)
    too_long = cli(
        controller,
        "jobs",
        "backfill",
        "minutely",
        "--from",
        "2020-01-01T00:00:00Z",
        "--to",
        "2021-01-01T00:00:00Z",
    )
    assert too_long.returncode != 0 and "more than 1000 ticks" in too_long.stderr


def test_a_pause_note_shows_in_the_api_and_pause_on_failure_says_why(
    controller: RunningController,
) -> None:
    json_of(controller, "jobs", "pause", "slow", "--note", "the site is down until Monday")
    job = json_of(controller, "jobs", "get", "slow")
    assert job["state"] == "PAUSED"
    assert "the site is down until Monday" in job["reason"]["message"]
    json_of(controller, "jobs", "resume", "slow")

    guarded = json_of(controller, "jobs", "trigger", "guarded")["jobRunId"]
    finished(controller, guarded)
    job = json_of(controller, "jobs", "get", "guarded")
    assert job["state"] == "PAUSED"
    assert f"JobRun {guarded} ended COMPLETED with 1 failed Run" in job["reason"]["message"]


def test_pending_runs_say_they_wait_for_the_concurrency_limit(
    controller: RunningController,
) -> None:
    job_run_id = json_of(controller, "jobs", "trigger", "slow")["jobRunId"]
    with controller.client() as http:
        progress = http.get(f"{controller.base}/job-runs/{job_run_id}/progress").json()
        runs = http.get(f"{controller.base}/job-runs/{job_run_id}/runs").json()["runs"]
    assert progress["waitingFor"]["reason"] in ("concurrency-limit", "no-worker-ready")
    pending = [r for r in runs if r["status"] == "PENDING"]
    assert pending and {r["waitingFor"]["reason"] for r in pending} == {
        progress["waitingFor"]["reason"]
    }
    watched = cli(controller, "jobruns", "watch", job_run_id, "--json")  # a line per change
    states = [json.loads(line) for line in watched.stdout.splitlines()]
    assert watched.returncode == 0 and any(state["waitingFor"] for state in states)
    assert finished(controller, job_run_id)["status"] == "COMPLETED"


def test_terminate_runs_ends_the_unfinished_ones_that_match_and_the_jobrun_goes_on(
    controller: RunningController,
) -> None:
    job_run_id = json_of(controller, "jobs", "trigger", "long")["jobRunId"]
    path = f"{controller.base}/job-runs/{job_run_id}"
    with controller.client() as http:
        asked = {"filter": {"status": "PENDING"}, "dryRun": True}
        counted = http.post(f"{path}/runs/terminate", json=asked).json()
        assert counted["count"] >= 9, counted  # 12 Runs, one at a time, each half a second
        done = cli(controller, "jobruns", "terminate-runs", job_run_id, "--status", "PENDING")
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"Run(s) of {job_run_id}" in done.stdout
        assert finished(controller, job_run_id)["status"] == "COMPLETED"  # the rest ran
        runs = http.get(f"{path}/runs", params={"limit": 100}).json()["runs"]
        again = http.post(f"{path}/runs/terminate", json={"filter": {}})
    statuses = [r["status"] for r in runs]
    assert set(statuses) == {"SUCCEEDED", "TERMINATED"}
    assert statuses.count("TERMINATED") >= 9
    assert statuses.index("TERMINATED") > 0  # the first ones, started, were left to succeed
    ended = [r for r in runs if r["status"] == "TERMINATED"]
    assert {r["reason"]["type"] for r in ended} == {"cancelled-user-action"}
    assert again.status_code == 409 and "has ended COMPLETED" in again.json()["message"]
