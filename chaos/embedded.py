"""Faults against ``jobctl run`` with real browser workers: the controller SIGKILLed, its sink
down, its state volume full, Chromium killed under the attempts.

Every scenario runs one JobRun of book pages (``books/details`` on the bookstore served
locally) through a real controller process with real Chromium workers, hurts it, lets it (or a
restart of it) finish, and counts the results file and the sink.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.support.waiting import wait_for

from .harness import (
    JOBCTL,
    PROJECT,
    Processes,
    Report,
    Site,
    count_runs_run_twice,
    kill_all,
    marked_processes,
    tally,
)
from .sinks import S3Sink, Sink, WebhookSink
from .volume import SmallVolume

JOB = "chaos"
SETTLE_S = 10.0
"""How long a killed controller's workers (and their browsers) get to notice and exit."""


class Project:
    """A resources folder with one Job, a state folder, and ``jobctl run`` processes on them."""

    def __init__(self, root: Path, processes: Processes, job: dict[str, Any]) -> None:
        self.root = root
        self.state = root / "state"
        self.processes = processes
        self.log = root / "controller.log"
        jobs = root / "resources" / "jobs"
        jobs.mkdir(parents=True, exist_ok=True)
        (jobs / f"{JOB}.job.json").write_text(json.dumps(job))

    def start(self, *extra: str) -> subprocess.Popen[bytes]:
        args = [
            str(JOBCTL),
            "run",
            "--project",
            str(PROJECT),
            "--resources",
            str(self.root / "resources"),
            "--state",
            str(self.state),
            "--allow-private-targets",
            "--delivery-initial-delay",
            "200ms",
            "--until-idle",
            *extra,
        ]
        process: subprocess.Popen[bytes] = self.processes.start(args, self.log)
        return process

    def lines(self) -> list[str]:
        """Whole lines of the Job's results files (a line being written is not counted)."""
        folder = self.state / "results" / JOB
        text = (
            "".join(p.read_text() for p in sorted(folder.glob("*.jsonl")))
            if folder.exists()
            else ""
        )
        return text.splitlines()[: text.count("\n")]

    def retried_runs(self) -> int:
        """Runs that needed more than one attempt, from the controller's state."""
        with contextlib.closing(sqlite3.connect(self.state / "state.db")) as db:
            (count,) = db.execute("SELECT count(*) FROM runs WHERE attempts > 1").fetchone()
        return int(count)

    def reach(self, process: subprocess.Popen[bytes], target: int, timeout: float = 300) -> bool:
        """Wait until the results files have ``target`` lines (True) or the process ended
        first (False)."""
        wait_for(
            lambda: len(self.lines()) >= target or process.poll() is not None,
            timeout,
            f"{target} results (log: {self.log})",
            step=0.05,
        )
        return len(self.lines()) >= target

    def finish(self, report: Report, count: int, timeout: float = 600) -> list[str]:
        """Run a last controller to the end; the results are then counted."""
        process = self.start()
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            report.details["error"] = f"the JobRun did not end in {timeout:.0f}s"
            return self.lines()
        if code != 0:
            report.details["error"] = f"the last controller exited {code} (log: {self.log})"
        lines = self.lines()
        tally(lines, count, report)
        workers = (self.state / "attempts" / "workers").glob("*.log")
        count_runs_run_twice(self.state / "state.db", workers, report)
        return lines

    def killed(self, process: subprocess.Popen[bytes], report: Report) -> None:
        """SIGKILL, then count what it left running (and clear it away)."""
        process.send_signal(signal.SIGKILL)
        process.wait()
        report.faults += 1
        self.count_leftovers(report)

    def count_leftovers(self, report: Report) -> None:
        """Whatever a dead controller left running is counted as leaked, then cleared away."""
        left = self.processes.leftovers(SETTLE_S)
        report.details["leaked_processes"] = report.details.get("leaked_processes", 0) + len(left)
        kill_all(left)

    def wait_end(self, process: subprocess.Popen[bytes], report: Report) -> None:
        """The controller was started with ``--until-idle``: it ends with its JobRun (and its
        deliveries); exit 0 means every Run succeeded."""
        try:
            code = process.wait(600)
        except subprocess.TimeoutExpired:
            report.details["error"] = f"the JobRun did not end in 600s (log: {self.log})"
            return
        if code != 0:
            report.details["error"] = f"the controller exited {code} (log: {self.log})"


def _job(site: Site, count: int, **extra: Any) -> dict[str, Any]:
    return {
        "payload": site.items(count),
        "configuration": {"maxConcurrentRequests": 4, "retry": {"maximumAttempts": 3}},
        **extra,
    }


def controller_sigkill(root: Path, short: bool) -> Report:
    """SIGKILL ``jobctl run`` at random points of a JobRun whose results go to a webhook; some
    kills land while it starts (resuming), most while results and deliveries flow."""
    count, kills = (100, 4) if short else (1000, 20)
    report = Report("sigkill-jobctl-run")
    rng = random.Random(20)
    with Site() as site, WebhookSink() as sink, Processes(root, "run-kill") as processes:
        project = Project(root, processes, _job(site, count, sink=sink.spec()))
        extra: tuple[str, ...] = ("--trigger", JOB)
        while report.faults < kills:
            restarted, before = time.monotonic(), len(project.lines())
            process = project.start(*extra)
            extra = ()
            if rng.random() < 0.2:  # while it starts and resumes
                time.sleep(rng.uniform(0.2, 3.0))
            else:
                if not project.reach(process, before + 1, 120):
                    break
                report.recovered(time.monotonic() - restarted)
                step = max(2, count // (kills + 4))
                project.reach(process, before + rng.randint(step // 2, step))
                time.sleep(rng.uniform(0, 0.3))
            if process.poll() is not None:
                break
            project.killed(process, report)
        lines = project.finish(report, count)
        sink.check(lines, report)
    return report


def kill_near_end_then_trigger(root: Path, short: bool) -> Report:
    """SIGKILL ``jobctl run --trigger JOB --until-idle`` around its JobRun's end (Runs still
    running, the last results lines being written, the end stored, deliveries in flight), then
    trigger the Job again as a person re-running ``make run ONCE=1`` would: the second command
    must see a JobRun through and exit 0, whether its trigger made a new JobRun or it followed
    the resumed one (``refused_triggers`` counts those that exited otherwise). Every JobRun's
    file then has each item once."""
    count, rounds = (6, 4) if short else (8, 16)
    report = Report("kill-near-end-then-trigger")
    rng = random.Random(39)
    refused = 0
    with Site() as site, WebhookSink() as sink, Processes(root, "end-kill") as processes:
        project = Project(root, processes, _job(site, count, sink=sink.spec()))
        for round_number in range(rounds):
            before = len(project.lines())
            process = project.start("--trigger", JOB)
            windows = (1, count // 2, count - 1, count)  # early, mid, last Run, ended
            project.reach(process, before + windows[round_number % len(windows)], 120)
            time.sleep(rng.uniform(0, 0.2))
            if process.poll() is None:
                project.killed(process, report)
            again = project.start("--trigger", JOB)
            try:
                refused += again.wait(300) != 0
            except subprocess.TimeoutExpired:
                report.details["error"] = f"a re-trigger did not end in 300s (log: {project.log})"
                break
        report.details["refused_triggers"] = refused
        if refused:
            report.details["error"] = f"{refused} re-trigger(s) exited non-zero ({project.log})"
        failed = 0
        for path in sorted((project.state / "results" / JOB).glob("*.jsonl")):
            lines = path.read_text().splitlines()
            if lines:  # a refused trigger's CANCELED JobRun has none
                tally(lines, count, report)
                failed += report.details["failed_runs"]
        report.details["failed_runs"] = failed
        report.runs = len(project.lines())
        sink.check(project.lines(), report)
    return report


def sink_outage(root: Path, short: bool, sink: Sink, name: str) -> Report:
    """The sink goes down twice while results flow and comes back; the controller keeps
    running, and every result reaches the sink once it is back. ``recovered_s``: from the sink
    being back until every result written before then has reached it (the retry backlog)."""
    count, down_s = (40, 3.0) if short else (200, 20.0)
    report = Report(name)
    rng = random.Random(7)
    with Site() as site, sink, Processes(root, name) as processes:
        project = Project(root, processes, _job(site, count, sink=sink.spec()))
        process = project.start("--trigger", JOB)
        for outage in range(2):
            _wait_deliveries(sink, process, (outage + 1) * count // 4)
            sink.down()
            report.faults += 1
            time.sleep(down_s * rng.uniform(0.7, 1.3))
            sink.up()
            back, backlog = time.monotonic(), _run_ids(project.lines())
            _wait_backlog(sink, backlog)
            report.recovered(time.monotonic() - back)
        project.wait_end(process, report)
        lines = project.lines()
        tally(lines, count, report)
        sink.check(lines, report)
    return report


def _wait_deliveries(sink: Sink, process: subprocess.Popen[bytes], target: int) -> None:
    wait_for(
        lambda: sink.count() >= target or process.poll() is not None,
        300,
        f"{target} deliveries",
        step=0.05,
    )


def _wait_backlog(sink: Sink, backlog: set[str]) -> None:
    wait_for(lambda: backlog <= set(sink.received()), 600, "the backlog delivered", step=0.2)


def _run_ids(lines: list[str]) -> set[str]:
    return {json.loads(line)["apiInfo"]["runId"] for line in lines}


def webhook_outage(root: Path, short: bool) -> Report:
    return sink_outage(root, short, WebhookSink(), "webhook-down")


def s3_outage(root: Path, short: bool) -> Report:
    return sink_outage(root, short, S3Sink(), "s3-down")


def volume_full(root: Path, short: bool) -> Report:
    """The state volume fills up twice mid-JobRun: the controller stops with a message that
    says so (exit 75) and, once space is freed, a restart finishes the JobRun."""
    count = 40 if short else 300
    report = Report("volume-full")
    with (
        Site() as site,
        Processes(root, "volume") as processes,
        SmallVolume(root / "state") as volume,
    ):
        project = Project(root, processes, _job(site, count))
        extra: tuple[str, ...] = ("--trigger", JOB)
        while report.faults < 2:
            restarted, before = time.monotonic(), len(project.lines())
            process = project.start(*extra)
            extra = ()
            if not project.reach(process, before + 1, 120):
                break
            report.recovered(time.monotonic() - restarted)
            project.reach(process, before + count // 4)
            volume.fill()
            report.faults += 1
            try:
                code = process.wait(120)
            except subprocess.TimeoutExpired:
                report.details["error"] = "the controller kept running on a full volume for 120s"
                break
            said = "no space left on its volume" in project.log.read_text()
            if code != 75 or not said:
                report.details["error"] = f"a full volume ended the controller with {code}" + (
                    "" if said else " and no message saying the volume is full"
                )
                break
            project.count_leftovers(report)
            volume.free()
        project.finish(report, count)
    return report


def chromium_killed(root: Path, short: bool) -> Report:
    """Every Chromium of the controller's workers is SIGKILLed mid-attempt, several times:
    the attempts are infrastructure failures that are retried, so every Run succeeds."""
    count, kills = (30, 2) if short else (120, 5)
    report = Report("chromium-killed")
    with Site() as site, Processes(root, "chromium") as processes:
        project = Project(root, processes, _job(site, count))
        process = project.start("--trigger", JOB)
        for kill in range(kills):
            project.reach(process, (kill + 1) * count // (kills + 2))
            browsers = [p for p in marked_processes(processes.mark) if _is_chromium(p)]
            if process.poll() is not None or not browsers:
                break
            kill_all(browsers)
            report.faults += 1
            killed, before = time.monotonic(), len(project.lines())
            project.reach(process, before + 1, 120)
            report.recovered(time.monotonic() - killed)
        project.wait_end(process, report)
        tally(project.lines(), count, report)
        report.details["retried_runs"] = project.retried_runs()
        if report.faults and not report.details["retried_runs"]:
            report.details["error"] = "no attempt was hit by the kills: nothing was tested"
    return report


def _is_chromium(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() in ("chromium", "chrome")
    except OSError:
        return False
