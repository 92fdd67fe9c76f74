"""Replicas on a shared store: ``jobctl run`` processes with real browser workers on one
PostgreSQL database, the active one killed again and again.

Two replicas run at any time: the active one and a standby, each with a state folder of its own
(nothing shared but the database). At random points the active one is SIGKILLed, or frozen
(SIGSTOP: alive but silent, as a replica cut off from the database, so the standby must wait out
its lease) and killed once the standby has taken over; a new standby is started after each. The
JobRun must end with every Run's line exactly once in the results file of the replica that
finished it (made again from the store where it did not write them itself), and each line
delivered to the webhook sink under one message ID (``undelivered``: lines that never arrived).
"""

from __future__ import annotations

import functools
import json
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from tests.support.postgres import start_postgres
from tests.support.waiting import wait_for

from .harness import JOBCTL, PROJECT, Processes, Report, Site, kill_all, tally
from .sinks import WebhookSink

JOB = "chaos"


class Replica:
    """One ``jobctl run`` on the shared store, its processes marked apart from the others'."""

    def __init__(self, root: Path, number: int, store: str) -> None:
        self.name = f"replica-{number}"
        self.state = root / self.name
        self.log = root / f"{self.name}.log"
        self.processes = Processes(root, f"{root.name}-{self.name}")
        args = [str(JOBCTL), "run", "--project", str(PROJECT), "--resources"]
        args += [str(root / "resources"), "--state", str(self.state), "--store", store]
        args += ["--listen", "127.0.0.1:0", "--allow-private-targets"]
        args += ["--delivery-initial-delay", "200ms", "--trigger", JOB, "--until-idle"]
        self.process: subprocess.Popen[bytes] = self.processes.start(args, self.log)

    def said(self, text: str) -> bool:
        return self.log.exists() and text in self.log.read_text(errors="replace")

    def reached(self, lines: int) -> bool:
        """It has ``lines`` results lines, or it ended."""
        return len(self.lines()) >= lines or self.process.poll() is not None

    def lines(self) -> list[str]:
        folder = self.state / "results" / JOB
        text = "".join(p.read_text() for p in sorted(folder.glob("*.jsonl")))
        return text.splitlines()[: text.count("\n")]

    def kill(self) -> list[int]:
        """SIGKILL, then whatever of it outlived it (leaked: counted, then cleared away)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        left = self.processes.leftovers(10.0)
        kill_all(left)
        return left


def _ended_lines(replicas: list[Replica]) -> int:
    return max(len(r.lines()) for r in replicas)


def replicas_failover(root: Path, short: bool) -> Report:
    count, kills = (60, 2) if short else (300, 8)
    report = Report("failover-postgresql")
    server = start_postgres()
    store = server.new_database()
    (root / "resources" / "jobs").mkdir(parents=True)
    rng = random.Random(7)
    try:
        with Site() as site, WebhookSink() as sink:
            job = {
                "payload": site.items(count),
                "configuration": {"maxConcurrentRequests": 4, "retry": {"maximumAttempts": 3}},
                "sink": sink.spec(),
            }
            (root / "resources" / "jobs" / f"{JOB}.job.json").write_text(json.dumps(job))
            active, standby = Replica(root, 1, store), None
            wait_for(lambda: bool(active.lines()), 120, f"a first result ({active.log})", step=0.05)
            for number in range(2, kills + 2):
                standby = Replica(root, number, store)
                wait_for(functools.partial(standby.said, "standby"), 60, "the standby", step=0.05)
                target = len(active.lines()) + rng.randint(2, max(3, count // (kills + 2)))
                wait_for(
                    functools.partial(active.reached, target), 300, f"{target} results", step=0.05
                )
                if active.process.poll() is not None:
                    break
                frozen = rng.random() < 0.5
                active.process.send_signal(signal.SIGSTOP if frozen else signal.SIGKILL)
                stopped, before = time.monotonic(), _ended_lines([active, standby])
                wait_for(
                    functools.partial(standby.said, "active now"), 60, "the takeover", step=0.05
                )
                leaked = active.kill()
                report.details["leaked_processes"] = report.details.get(
                    "leaked_processes", 0
                ) + len(leaked)
                report.faults += 1
                wait_for(
                    functools.partial(standby.reached, before + 1),
                    120,
                    "the standby's progress",
                    step=0.05,
                )
                report.recovered(time.monotonic() - stopped)
                active, standby = standby, None
            code = active.process.wait(600)
            if code != 0:
                report.details["error"] = f"the last replica exited {code} (log: {active.log})"
            lines = active.lines()
            tally(lines, count, report)
            per_run = Counter(json.loads(line)["apiInfo"]["runId"] for line in lines)
            report.details["lines_per_run_max"] = max(per_run.values(), default=0)
            sink.check(lines, report)
            if standby is not None:
                standby.kill()
    finally:
        server.stop()
    return report
