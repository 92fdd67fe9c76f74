"""Two operators on one PostgreSQL store, in pool mode: the active one is SIGKILLed mid-JobRun,
and the standby (on another state folder: nothing shared but the database) takes over the
Lease, the store's lead and the pool Pods, and completes the JobRun with every Run once."""

from __future__ import annotations

import collections
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from controller.vocabulary import GROUP, VERSION
from tests.support.postgres import PostgresServer
from tests.support.waiting import wait_for

from ._kube import apply

ITEMS = 2_000


@pytest.fixture(scope="module")
def store_url(postgres_server: PostgresServer) -> str:
    return postgres_server.new_database()


@pytest.fixture(scope="module")
def operator_flags(store_url: str) -> list[str]:
    return ["--store", store_url]


def standby(operator: dict[str, Any], folder: Path) -> subprocess.Popen[bytes]:
    """The operator's command with its own state folder (and the same addresses: a standby
    listens only once it is active)."""
    args = list(operator["args"])
    args[args.index("--state") + 1] = str(folder / "state")
    with (folder / "standby.log").open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)


def test_a_standby_operator_takes_over_a_killed_ones_jobrun_and_pool_pods(
    api: client.ApiClient, namespace: str, operator, site: str, tmp_path: Path
) -> None:
    second = standby(operator, tmp_path)
    log = tmp_path / "standby.log"
    try:
        wait_for(lambda: "another replica is active" in log.read_text(), 60, "the standby")
        items = [
            {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1, "n": n}}
            for n in range(ITEMS)
        ]
        job = {"payload": items, "configuration": {"maxConcurrentRequests": 4}}
        apply(api, namespace, "Job", "handover", job)
        apply(api, namespace, "JobRun", "handover-1", {"jobRef": {"name": "handover"}})
        custom = client.CustomObjectsApi(api)

        def status() -> dict[str, Any]:
            found = custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, "jobruns", "handover-1"
            )
            return found.get("status") or {}

        wait_for(lambda: status().get("successfulRuns", 0) >= 200, 300, "200 Runs")
        first = operator["running"]["process"]
        first.kill()  # SIGKILL: attempts in flight, the Lease and the lead still held
        first.wait()
        final = wait_for(
            lambda: status() if status().get("status") == "COMPLETED" else None,
            900,
            "completion under the standby",
        )
        assert (final["payloads"], final["successfulRuns"], final["failedRuns"]) == (
            ITEMS,
            ITEMS,
            0,
        )
        assert "this replica is active" in log.read_text()  # it took the Lease over
        lines = (tmp_path / "state" / "results" / "handover" / "handover-1.jsonl").read_text()
        per_run = collections.Counter(
            json.loads(line)["apiInfo"]["runId"] for line in lines.splitlines()
        )
        assert len(per_run) == ITEMS and set(per_run.values()) == {1}
    finally:
        operator["running"]["process"] = second  # the fixture stops whichever runs last
