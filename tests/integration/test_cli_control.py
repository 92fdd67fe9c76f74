"""``jobctl jobs`` / ``jobctl jobruns`` against a running ``jobctl run`` (no mocks)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.controller_process import JOBCTL, RunningController, start_controller

CODE_JOB = {
    "payload": [{"apiName": "fanout", "parameters": {"count": 8}}],
    "configuration": {"maxConcurrentRequests": 2},
}


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    mixed = {"payload": [{"apiName": "a"}, {"apiName": "fail-once"}, {"apiName": "user-error"}]}
    running = start_controller(
        tmp_path_factory.mktemp("cli"), {"code-job": CODE_JOB, "mixed": mixed}
    )
    yield running
    running.stop()


def cli(controller: RunningController, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "JOBCTL_SERVER": controller.url,
        "JOBCTL_API_KEY": controller.api_key,
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [str(JOBCTL), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_trigger_watch_and_inspect_a_jobrun(controller: RunningController) -> None:
    listed = cli(controller, "jobs", "list")
    assert listed.returncode == 0, listed.stderr
    assert "code-job" in listed.stdout and "code" in listed.stdout

    triggered = cli(controller, "jobs", "trigger", "code-job", "--json")
    job_run_id = json.loads(triggered.stdout)["jobRunId"]
    watched = cli(controller, "jobruns", "watch", job_run_id)
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert "COMPLETED: 0 pending, 0 running, 9 succeeded, 0 failed" in watched.stdout
    assert "9/9" in watched.stdout

    got = cli(controller, "jobruns", "get", job_run_id)
    assert f"{job_run_id} of job code-job: COMPLETED (MANUAL)" in got.stdout
    assert (
        "payloads 9, succeeded 9, failed 0" in got.stdout and f"/results/{job_run_id}" in got.stdout
    )
    runs = cli(controller, "jobruns", "list", "code-job")
    assert job_run_id in runs.stdout and "COMPLETED" in runs.stdout
    as_json = json.loads(cli(controller, "jobruns", "list", "code-job", "--json").stdout)
    assert as_json["jobRuns"][0]["id"] == job_run_id


def test_create_pause_resume_terminate_and_delete_an_api_job(
    controller: RunningController, tmp_path: Path
) -> None:
    file = tmp_path / "slow-job.job.jsonc"
    items = ", ".join(f'{{api: "echo", parameters: {{n: {n}}}}}' for n in range(200))
    file.write_text(
        f"// created from the CLI\n{{payload: [{items}], "
        "configuration: {maxConcurrentRequests: 1}}"
    )
    created = cli(controller, "jobs", "create", str(file))
    assert created.returncode == 0, created.stderr
    assert "created job slow-job" in created.stdout
    shown = cli(controller, "jobs", "get", "slow-job")
    assert "slow-job (API, ACTIVE)" in shown.stdout

    assert cli(controller, "jobs", "pause", "slow-job").returncode == 0
    refused = cli(controller, "jobs", "trigger", "slow-job")
    assert refused.returncode == 1 and "paused" in refused.stderr and "HTTP 409" in refused.stderr
    assert cli(controller, "jobs", "resume", "slow-job").returncode == 0

    job_run_id = json.loads(cli(controller, "jobs", "trigger", "slow-job", "--json").stdout)[
        "jobRunId"
    ]
    ended = cli(controller, "jobruns", "terminate", job_run_id)
    assert ended.returncode == 0 and f"{job_run_id} TERMINATED" in ended.stdout
    watched = cli(controller, "jobruns", "watch", job_run_id)
    assert watched.returncode == 2  # it did not complete

    unconfirmed = cli(controller, "jobs", "delete", "slow-job")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert cli(controller, "jobs", "delete", "slow-job", "--yes").returncode == 0
    gone = cli(controller, "jobs", "get", "slow-job")
    assert gone.returncode == 1 and "no job 'slow-job' (HTTP 404)" in gone.stderr


def test_errors_are_one_clear_line(controller: RunningController, tmp_path: Path) -> None:
    code_defined = cli(controller, "jobs", "delete", "code-job", "--yes")
    assert code_defined.returncode == 1 and "defined by code" in code_defined.stderr
    bad = tmp_path / "bad.job.jsonc"
    bad.write_text('{\n  payload: [{apiNam: "x"}],\n}')
    invalid = cli(controller, "jobs", "create", str(bad))
    assert invalid.returncode == 1
    assert f"{bad}:2:14: payload[0]: unknown key 'apiNam'" in invalid.stderr
    unreachable = subprocess.run(
        [str(JOBCTL), "jobs", "list", "--server", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert unreachable.returncode == 2 and "cannot reach the controller" in unreachable.stderr
    for result in (code_defined, invalid, unreachable):
        assert "Traceback" not in result.stderr


def test_jobs_create_takes_the_docs_forms_and_the_id_from_the_document(
    controller: RunningController, tmp_path: Path
) -> None:
    """Inline JSON, ``@file`` with an ``id`` unlike its name, ``-`` for stdin, ``-p``, ``-y``."""
    inline = '{"id": "inline-job", "payload": [{"apiName": "echo", "parameters": {}}]}'
    assert "created job inline-job" in cli(controller, "jobs", "create", inline).stdout
    config = tmp_path / "job-config.json"
    config.write_text('{"id": "from-file", "payload": [{"apiName": "echo"}]}')
    assert "created job from-file" in cli(controller, "jobs", "create", f"@{config}").stdout
    env = {
        "JOBCTL_SERVER": controller.url,
        "JOBCTL_API_KEY": controller.api_key,
        "PATH": "/usr/bin:/bin",
    }
    piped = subprocess.run(
        [str(JOBCTL), "jobs", "create", "-", "-p", "shop"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        input='// stdin\n{id: "piped", payload: [{api: "echo"}]}',
    )
    assert "created job piped" in piped.stdout, piped.stderr
    in_git = tmp_path / "intuned-resources" / "jobs" / "named.job.jsonc"
    in_git.parent.mkdir(parents=True)
    in_git.write_text('{id: "other", payload: [{api: "echo"}]}')  # a job file: its name rules
    mismatch = cli(controller, "jobs", "create", str(in_git))
    assert (
        mismatch.returncode == 1 and "id 'other' does not match the name 'named'" in mismatch.stderr
    )
    nameless = cli(controller, "jobs", "create", '{"payload": [{"apiName": "echo"}]}')
    assert nameless.returncode == 1 and 'put "id" in it' in nameless.stderr
    broken = cli(controller, "jobs", "create", '{"id": "x", "payload": [}')
    assert broken.returncode == 1 and broken.stderr.startswith("jobctl jobs create: <argument>:1:")
    for job_id in ("inline-job", "from-file", "piped"):
        assert cli(controller, "jobs", "delete", job_id, "-y", "-p", "shop").returncode == 0


def test_a_jobruns_runs_and_a_flaky_runs_two_attempts_through_the_api_and_the_cli(
    controller: RunningController,
) -> None:
    """The Runs of the fan-out JobRun page by page (keyset cursor), filtered; the ``fail-once``
    Run shows its two attempts: one failed, one succeeded."""
    triggered = cli(controller, "jobs", "trigger", "mixed", "--json")
    job_run_id = json.loads(triggered.stdout)["jobRunId"]
    assert cli(controller, "jobruns", "watch", job_run_id).returncode == 1  # one user error
    with controller.client() as http:
        base = f"{controller.base}/job-runs/{job_run_id}/runs"
        first = http.get(base, params={"limit": 2}).json()
        second = http.get(base, params={"limit": 2, "cursor": first["nextCursor"]}).json()
        assert [r["api"] for r in first["runs"] + second["runs"]] == [
            "a",
            "fail-once",
            "user-error",
        ]
        assert second["nextCursor"] is None
        failed = http.get(base, params={"status": "FAILED"}).json()["runs"]
        assert [(r["api"], r["error"]["code"]) for r in failed] == [("user-error", "api-not-found")]
        assert http.get(base, params={"errorCode": "api-not-found"}).json()["runs"] == failed
        bad = http.get(base, params={"cursor": "abc"})
        assert bad.status_code == 400 and "nextCursor" in bad.json()["message"]
    flaky = first["runs"][1]
    assert (flaky["status"], flaky["attempts"]) == ("SUCCEEDED", 2)

    listed = cli(controller, "jobruns", "runs", job_run_id, "--status", "FAILED")
    assert listed.returncode == 0, listed.stderr
    assert "user-error" in listed.stdout and "fail-once" not in listed.stdout
    shown = cli(controller, "jobruns", "run", job_run_id, flaky["id"], "--json")
    attempts = json.loads(shown.stdout)["attempts"]
    assert [(a["number"], a["outcome"]) for a in attempts] == [(1, "failed"), (2, "succeeded")]
    assert attempts[0]["error"]["category"] == "execution" and attempts[0]["durationMs"] >= 0
    table = cli(controller, "jobruns", "run", job_run_id, flaky["id"])
    assert "SUCCEEDED after 2 attempt(s)" in table.stdout and "succeeded" in table.stdout
