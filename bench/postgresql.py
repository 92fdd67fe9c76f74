"""The controller on PostgreSQL: the engine benchmarks with state in a real server (fsync on,
as in production), and a standby taking over from the active replica.

``engine_runs_per_second_postgresql`` and ``engine_million_runs_postgresql`` are
``bench.engine_throughput`` and ``bench.engine_million_runs`` with ``BENCH_STORE`` set (each in a
process of its own, for its peak RSS). Targets: >= 5,000 Runs/s, peak RSS <= 300 MB.

``failover_seconds``: two ``jobctl run`` replicas on one database, a 2,000-Run JobRun (in-process
fake workers, 50-100 ms an attempt); the active one is stopped with SIGSTOP (alive but silent, as a
replica cut off or on a dead machine: the standby must wait out its lease) mid-JobRun; the
figure is the time from then until Runs end again under the standby (past those that were in
flight). Then it is let go and must stop without writing (fenced).
``failover_seconds_killed``: the same with SIGKILL, where the standby sees the holder's process
gone from this host and takes over at once. Lost and duplicated results lines are counted
(target 0). Targets: <= 15 s (goal 8 s).
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from tests.support.postgres import PostgresServer, start_postgres

ROOT = Path(__file__).resolve().parents[1]
JOBCTL = Path(sys.executable).with_name("jobctl")
ITEMS = 2_000
STOPPED_AT = 200
ENGINE = {
    "bench.engine_throughput": {"engine_runs_per_second"},
    "bench.engine_million_runs": {"engine_million_runs", "runs_query_ms"},
}


def _engine(server: PostgresServer) -> list[dict[str, Any]]:
    lines = []
    for module, names in ENGINE.items():
        env = {**os.environ, "BENCH_STORE": server.new_database()}
        done = subprocess.run(
            [sys.executable, "-m", module], capture_output=True, text=True, env=env, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{module} failed on PostgreSQL:\n{done.stderr[-2000:]}")
        for text in done.stdout.splitlines():
            line = json.loads(text)
            if line["benchmark"] not in names:
                continue
            line["benchmark"] += "_postgresql"
            if line["unit"] == "runs/s":
                line.update(target=5_000, peak_rss_target_mb=300)
            lines.append(line)
    return lines


def _ended(url: str) -> int:
    with psycopg.connect(url) as db:
        try:
            row = db.execute("SELECT coalesce(sum(successful_runs), 0) FROM job_runs").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def _replica(root: Path, name: str, url: str) -> subprocess.Popen[str]:
    command = [str(JOBCTL), "run", "--resources", str(root / "resources"), "--state"]
    command += [str(root / name), "--launcher", "tests.support.launchers:create", "--store", url]
    command += ["--listen", "127.0.0.1:0", "--trigger", "bulk", "--until-idle"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JOBCTL_FAKE_DELAY": "0.05,0.1"}
    with (root / f"{name}.log").open("w") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)


def _until(check: Any, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.02)
    return time.monotonic()


def _failover(server: PostgresServer, how: signal.Signals) -> dict[str, Any]:
    url = server.new_database()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "resources" / "jobs").mkdir(parents=True)
        payload = [{"apiName": "item", "parameters": {"n": n}} for n in range(ITEMS)]
        job = {"payload": payload, "configuration": {"maxConcurrentRequests": 8}}
        (root / "resources" / "jobs" / "bulk.job.json").write_text(json.dumps(job))
        active = _replica(root, "active", url)
        _until(lambda: _ended(url) > 0)  # it holds the lead
        standby = _replica(root, "standby", url)
        try:
            _until(lambda: "standby" in (root / "standby.log").read_text())
            mid = max(STOPPED_AT, _ended(url) + 50)
            _until(lambda: _ended(url) >= mid)
            active.send_signal(how)
            stopped, ended = time.monotonic(), _ended(url)
            resumed = _until(lambda: _ended(url) > ended + 8)  # beyond what was in flight
            if how == signal.SIGSTOP:
                active.send_signal(signal.SIGCONT)
            fenced = active.wait(60)
            if standby.wait(300) != 0:
                raise RuntimeError((root / "standby.log").read_text()[-2000:])
        finally:
            for process in (active, standby):
                process.kill()
                process.wait(30)
        (path,) = (root / "standby" / "results" / "bulk").glob("*.jsonl")
        per_run = collections.Counter(
            json.loads(line)["apiInfo"]["runId"] for line in path.read_text().splitlines()
        )
    return {
        "seconds": round(resumed - stopped, 2),
        "lost_lines": ITEMS - len(per_run),
        "duplicated_lines": sum(count - 1 for count in per_run.values()),
        "old_replica_exit": fenced,
    }


def run() -> list[dict[str, Any]]:
    server = start_postgres(durable=True)
    try:
        lines = _engine(server)
        stops = ((signal.SIGSTOP, "failover_seconds"), (signal.SIGKILL, "failover_seconds_killed"))
        for how, name in stops:
            found = _failover(server, how)
            lines.append(
                {
                    "benchmark": name,
                    "value": found.pop("seconds"),
                    "unit": "s",
                    "target": 15,
                    "goal": 8,
                    "runs": ITEMS,
                    **found,
                    "lost_and_duplicated_target": 0,
                }
            )
    finally:
        server.stop()
    return lines


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line), flush=True)
