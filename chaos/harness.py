"""What every chaos scenario needs: real processes to hurt, servers that can go down and come
back on the same port, and an honest count afterwards.

The count is taken from what a user keeps: the JobRun's results file (one line per Run, each
payload item numbered by its ``n`` parameter) and what the sink received. ``lost`` is an item
with no line (or, for a sink, a line never delivered); ``duplicated_results`` is a second line
for an item. Every process a controller starts carries a marker in its environment, so the
processes it leaves behind when killed can be found and counted (``leaked_processes``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from examples.demo_site.server import static_server

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "bookstore"
JOBCTL = Path(sys.executable).with_name("jobctl")
MARKER = "JOBCTL_CHAOS_MARK"
STARTED = re.compile(r"attempt (\S+) started")
"""The line a worker logs as it starts an attempt."""


@dataclass
class Report:
    """One scenario's line; the scenario passes when nothing was lost, duplicated, failed or
    left running."""

    chaos: str
    faults: int = 0
    runs: int = 0
    lost: int = 0
    duplicated_results: int = 0
    recovered_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def recovered(self, seconds: float) -> None:
        self.recovered_s = max(self.recovered_s, round(seconds, 2))

    @property
    def ok(self) -> bool:
        bad = ("failed_runs", "leaked_processes", "undelivered", "operator_exits", "error")
        return not (self.lost or self.duplicated_results or any(self.details.get(k) for k in bad))

    def line(self) -> str:
        head = {
            "chaos": self.chaos,
            "faults": self.faults,
            "runs": self.runs,
            "lost": self.lost,
            "duplicated_results": self.duplicated_results,
            "recovered_s": self.recovered_s,
        }
        return json.dumps({**head, **self.details, "ok": self.ok})


class Site:
    """The bookstore's static pages on 127.0.0.1, for real browser workers to read."""

    def __enter__(self) -> Site:
        self.server = static_server(PROJECT / "site")
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.pages = sorted(p.name for p in (PROJECT / "site" / "books").glob("*.html"))
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def items(self, count: int) -> list[dict[str, Any]]:
        """``count`` payload items reading book pages, numbered by ``n``."""
        return [
            {
                "apiName": "books/details",
                "parameters": {
                    "url": f"{self.url}/books/{self.pages[n % len(self.pages)]}",
                    "n": n,
                },
            }
            for n in range(count)
        ]


def marked_processes(mark: str) -> list[int]:
    """Live processes started (directly or not) by the controller carrying ``mark``."""
    found = []
    needle = f"{MARKER}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def count_runs_run_twice(state_db: Path, worker_logs: Iterable[Path], report: Report) -> None:
    """``runs_run_twice``: starts of Runs on a worker (each attempt's "attempt ID started" line in
    its worker's log) beyond the attempts the controller counted for them: a Run whose attempt
    ran, was lost with a killed controller, and ran again. Local workers die with their
    controller, so embedded scenarios show some; Pods outlive the operator and resend their
    outcomes (target 0 there). ``runs_run_twice_per_kill`` divides by the faults."""
    started: dict[str, set[str]] = {}
    for log in worker_logs:
        for attempt_id in STARTED.findall(log.read_text(errors="replace")):
            started.setdefault(attempt_id.rpartition(".")[0], set()).add(attempt_id)
    with contextlib.closing(sqlite3.connect(state_db)) as db:
        counted = dict(db.execute("SELECT id, attempts FROM runs").fetchall())
    again = sum(max(0, len(ids) - counted.get(run, 0)) for run, ids in started.items())
    report.details["runs_run_twice"] = again
    report.details["runs_run_twice_per_kill"] = round(again / max(report.faults, 1), 2)


def tally(lines: list[str], count: int, report: Report) -> None:
    """Lost and duplicated items of a results file whose items are numbered 0..count-1."""
    parsed = [json.loads(line) for line in lines]
    seen = Counter(p["apiInfo"]["parameters"]["n"] for p in parsed)
    report.runs = count
    report.lost += sum(1 for n in range(count) if n not in seen)
    report.duplicated_results += sum(c - 1 for c in seen.values())
    report.details["failed_runs"] = sum(p["apiInfo"]["error"] is not None for p in parsed)


class Processes:
    """Processes a scenario starts, each in its own session and carrying the marker; all of
    them (and whatever they started) are killed when the scenario ends, however it ends."""

    def __init__(self, root: Path, mark: str) -> None:
        self.root = root
        self.mark = mark
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> Any:
        environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {}), MARKER: self.mark}
        with log.open("ab") as out:
            process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True
            )
        self.started.append(process)
        return process

    def leftovers(self, grace: float) -> list[int]:
        """Marked processes still alive ``grace`` seconds after every started one ended."""
        deadline = time.monotonic() + grace
        while (alive := marked_processes(self.mark)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return alive

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        kill_all(marked_processes(self.mark))
