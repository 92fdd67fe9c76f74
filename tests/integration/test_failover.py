"""Two ``jobctl run`` replicas on one PostgreSQL database: one is active, the other waits; when
the active one is killed, or cut off past its lease, the standby takes the JobRun over and every
Run ends with exactly one results line; a replica that comes back after the takeover writes
nothing and stops."""

from __future__ import annotations

import collections
import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import JOBCTL, jobctl_env
from tests.support.postgres import PostgresServer

ITEMS = 300


def replica(root: Path, name: str, url: str) -> subprocess.Popen[str]:
    with (root / f"{name}.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [
                str(JOBCTL),
                "run",
                "--resources",
                str(root / "resources"),
                "--state",
                str(root / name),
                "--launcher",
                "tests.support.launchers:create",
                "--store",
                url,
                "--listen",
                "127.0.0.1:0",
                "--trigger",
                "bulk",
                "--until-idle",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=jobctl_env(JOBCTL_FAKE_DELAY="0.05,0.2"),
        )


def ended_runs(url: str) -> int:
    with psycopg.connect(url) as db:
        try:
            row = db.execute("SELECT coalesce(sum(successful_runs), 0) FROM job_runs").fetchone()
        except psycopg.errors.UndefinedTable:  # not migrated yet
            return 0
    return int(row[0]) if row else 0


def stop(*processes: subprocess.Popen[str] | None) -> None:
    for process in processes:
        if process is not None:
            process.kill()
            process.wait(30)


def wait_until(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def lines_per_run(root: Path, name: str) -> collections.Counter[str]:
    (path,) = (root / name / "results" / "bulk").glob("*.jsonl")
    return collections.Counter(
        json.loads(line)["apiInfo"]["runId"] for line in path.read_text().splitlines()
    )


@pytest.fixture
def shared(tmp_path: Path, postgres_server: PostgresServer) -> tuple[Path, str]:
    jobs = tmp_path / "resources" / "jobs"
    jobs.mkdir(parents=True)
    payload = [{"apiName": "item", "parameters": {"n": n}} for n in range(ITEMS)]
    job = {"payload": payload, "configuration": {"maxConcurrentRequests": 8}}
    (jobs / "bulk.job.json").write_text(json.dumps(job))
    return tmp_path, postgres_server.new_database()


@contextlib.contextmanager
def active_and_standby(
    root: Path, url: str
) -> Iterator[tuple[subprocess.Popen[str], subprocess.Popen[str]]]:
    """The first replica, once it has ended Runs, and the second, once it waits as a standby."""
    first = replica(root, "first", url)
    second = None
    try:
        wait_until(lambda: ended_runs(url) >= 20, "the first replica to make progress")
        second = replica(root, "second", url)
        # the line, not the word: the test's own folder name has "standby" in it too
        wait_until(
            lambda: "jobctl run: standby:" in (root / "second.log").read_text(), "the standby"
        )
        yield first, second
    finally:
        stop(first, second)


def test_a_standby_takes_over_from_a_killed_replica_and_every_run_has_one_line(
    shared: tuple[Path, str],
) -> None:
    root, url = shared
    with active_and_standby(root, url) as (first, second):
        first.send_signal(signal.SIGKILL)
        assert second.wait(120) == 0, (root / "second.log").read_text()[-3000:]
    log = (root / "second.log").read_text()
    assert "this replica is active now" in log and "COMPLETED: 300 succeeded" in log
    lines = lines_per_run(root, "second")
    assert len(lines) == ITEMS and set(lines.values()) == {1}


def test_a_replica_cut_off_past_its_lease_is_fenced_when_it_comes_back(
    shared: tuple[Path, str],
) -> None:
    root, url = shared
    with active_and_standby(root, url) as (first, second):
        first.send_signal(signal.SIGSTOP)  # alive, on this host, but silent: its lease lapses
        wait_until(
            lambda: "active now" in (root / "second.log").read_text(), "the takeover", timeout=30
        )
        first.send_signal(signal.SIGCONT)
        assert first.wait(60) == 75
        assert second.wait(120) == 0, (root / "second.log").read_text()[-3000:]
    assert "is no longer the active one" in (root / "first.log").read_text()
    lines = lines_per_run(root, "second")
    assert len(lines) == ITEMS and set(lines.values()) == {1}
