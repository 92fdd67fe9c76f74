"""`jobctl run` as a process: exit codes, idle CPU, and SIGKILL at random moments."""

from __future__ import annotations

import functools
import json
import random
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import JOBCTL, jobctl_env

FAKE = "tests.support.launchers:create"


def write_job(root: Path, name: str, text: str) -> Path:
    folder = root / "resources" / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.job.jsonc").write_text(text)
    return root


def run_args(root: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--resources",
        str(root / "resources"),
        "--state",
        str(root / "state"),
        "--launcher",
        FAKE,
        *extra,
    ]


@pytest.mark.parametrize(
    ("payload", "code", "summary"),
    [
        ('[{api: "a"}, {api: "fail-once"}]', 0, "COMPLETED: 2 succeeded, 0 failed of 2"),
        ('[{api: "a"}, {api: "user-error"}]', 1, "COMPLETED: 1 succeeded, 1 failed of 2"),
    ],
)
def test_until_idle_exit_codes(
    jobctl, tmp_path: Path, payload: str, code: int, summary: str
) -> None:
    root = write_job(tmp_path, "demo", f"{{payload: {payload}}}")
    done = jobctl(*run_args(root, "--trigger", "demo", "--until-idle"))
    assert done.returncode == code, done.stdout + done.stderr
    assert summary in done.stdout
    results = done.stdout.rsplit("results: ", 1)[1].strip()
    assert len(Path(results).read_text().splitlines()) == 2


def test_until_idle_waits_for_the_triggered_job_run_not_for_other_jobs_retrying_deliveries(
    jobctl, tmp_path: Path
) -> None:
    """Another Job whose schedule fires meanwhile, with a sink that is down (its deliveries
    retry for a day), must not keep a triggered run waiting."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens there once the socket closes
    root = write_job(
        tmp_path,
        "demo",
        '{payload: [{api: "a"}, {api: "b"}], configuration: {maximumConcurrentRequests: 1}}',
    )
    write_job(
        root,
        "ticking",
        f'{{payload: [{{api: "a"}}], schedule: {{intervals: [{{every: "1s"}}]}},'
        f' sink: {{type: "webhook", url: "http://127.0.0.1:{closed_port}/down"}}}}',
    )
    started = time.monotonic()
    done = jobctl(
        *run_args(
            root,
            "--trigger",
            "demo",
            "--until-idle",
            "--allow-private-targets",
            "--delivery-initial-delay",
            "5s",
        ),
        env=jobctl_env(JOBCTL_FAKE_DELAY="2"),
    )  # each attempt takes 2 s
    assert done.returncode == 0, done.stdout + done.stderr
    assert "COMPLETED: 2 succeeded" in done.stdout
    assert time.monotonic() - started < 60
    pending = (
        sqlite3.connect(root / "state" / "state.db")
        .execute("SELECT COUNT(*) FROM deliveries WHERE job_id = 'ticking' AND state = 'pending'")
        .fetchone()[0]
    )
    assert pending >= 1, "the other Job's delivery should still be pending (kept for later)"


def test_triggering_an_unknown_job_exits_2(jobctl, tmp_path: Path) -> None:
    root = write_job(tmp_path, "demo", '{payload: [{api: "a"}]}')
    done = jobctl(*run_args(root, "--trigger", "nope", "--until-idle"))
    assert done.returncode == 2 and "no job 'nope'" in done.stderr


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def _start_ready(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``jobctl run`` started and past its start-up (imports, state, first pass)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(JOBCTL), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    runs = log.read_text().count("JobRun(s) resumed")
    deadline = time.monotonic() + 60
    while log.read_text().count("JobRun(s) resumed") <= runs and process.poll() is None:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.02)
    return process


def test_an_idle_controller_uses_no_cpu(tmp_path: Path) -> None:
    root = write_job(
        tmp_path, "daily", '{payload: [{api: "a"}], schedule: {calendars: [{hour: 3}]}}'
    )
    process = _start_ready(run_args(root), tmp_path / "log", jobctl_env())
    try:
        time.sleep(1.0)
        before = _cpu_seconds(process.pid)
        time.sleep(3.0)
        used = _cpu_seconds(process.pid) - before
        # What it does when idle (the lease renewed every second, the file watcher's and the
        # API server's ticks) is 0.05-0.09 s per 3 s here; a busy loop would be seconds.
        assert used <= 0.15, f"idle controller used {used:.2f}s of CPU in 3s"
    finally:
        process.terminate()
        process.wait(10)


def _state(root: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(root / "state" / "state.db")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def _results_lines(root: Path) -> int:
    return sum(
        path.read_bytes().count(b"\n") for path in (root / "state" / "results").rglob("*.jsonl")
    )


def _reached(root: Path, target: int) -> bool:
    return _results_lines(root) >= target


def _wait_for(condition, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and process.poll() is None:
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.01)


def _kill_while_running(
    root: Path, env: dict[str, str], rng: random.Random, gaps: tuple[int, int], kills: int
) -> int:
    """Start ``jobctl run`` on the ``bulk`` Job and SIGKILL it once ``gaps`` more results lines
    were written (then a random instant later: between two results, or inside a pass), up to
    ``kills`` times; resume it each time, then run it to the end. Returns the kills made."""
    made = 0
    args = run_args(root, "--trigger", "bulk", "--until-idle")
    while made < kills:
        process = subprocess.Popen(
            [str(JOBCTL), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        target = _results_lines(root) + rng.randint(*gaps)
        _wait_for(functools.partial(_reached, root, target), process)
        time.sleep(rng.uniform(0, 0.05))
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        made += 1
        args = run_args(root, "--until-idle")  # resume, do not trigger again
    final = subprocess.run(
        [str(JOBCTL), *run_args(root, "--until-idle")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert final.returncode == 0, final.stderr
    return made


def _exactly_once(root: Path, runs: int) -> list[dict]:
    """The JobRun completed with ``runs`` Runs, one results line each, counters matching."""
    (job_run,) = _state(
        root, "SELECT id, status, successful_runs, failed_runs, payloads FROM job_runs"
    )
    assert job_run[1:] == ("COMPLETED", runs, 0, runs)
    path = root / "state" / "results" / "bulk" / f"{job_run[0]}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == runs
    assert len({line["apiInfo"]["runId"] for line in lines}) == runs
    return lines


def test_sigkill_at_random_points_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    items = ", ".join(f'{{api: "echo", parameters: {{n: {n}}}}}' for n in range(300))
    root = write_job(
        tmp_path, "bulk", f"{{payload: [{items}], configuration: {{maxConcurrentRequests: 4}}}}"
    )
    env = jobctl_env(JOBCTL_FAKE_DELAY="0.02,0.12")
    kills = _kill_while_running(root, env, random.Random(4), (8, 20), 12)
    assert kills >= 10, f"the JobRun finished after only {kills} kills"
    lines = _exactly_once(root, 300)
    assert sorted(line["apiInfo"]["parameters"]["n"] for line in lines) == list(range(300))


def test_sigkill_during_a_20000_run_fan_out_loses_nothing_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    """20 seeds each extending the payload with 999 Runs, the controller SIGKILLed 5 times on
    the way: every Run once in the results file, counters matching."""
    seeds = ", ".join('{api: "fanout", parameters: {count: 999}}' for _ in range(20))
    root = write_job(
        tmp_path, "bulk", f"{{payload: [{seeds}], configuration: {{maxConcurrentRequests: 25}}}}"
    )
    kills = _kill_while_running(root, jobctl_env(), random.Random(11), (2_000, 3_500), 5)
    assert kills == 5, f"the JobRun finished after only {kills} kills"
    lines = _exactly_once(root, 20_000)
    assert sum(1 for line in lines if line["apiInfo"]["name"] == "fanout") == 20


def test_sigkill_around_schedule_ticks_never_creates_two_jobruns_for_one_tick(
    tmp_path: Path,
) -> None:
    root = write_job(
        tmp_path,
        "tick",
        '{payload: [{api: "echo"}], schedule: {intervals: [{every: "1s"}], catchupWindow: "1m"}}',
    )
    env = jobctl_env(JOBCTL_FAKE_DELAY="0.05,0.3")
    rng = random.Random(7)
    for _ in range(10):
        process = _start_ready(run_args(root), tmp_path / "log", env)
        time.sleep(rng.uniform(0.5, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
    rows = _state(root, "SELECT scheduled_time FROM job_runs WHERE type = 'SCHEDULED'")
    ticks = [row[0] for row in rows]
    assert len(ticks) >= 5, "too few ticks fired for the test to mean anything"
    assert len(ticks) == len(set(ticks))
    last_tick = _state(root, "SELECT last_tick FROM jobs")[0][0]
    assert last_tick == max(ticks + [t for (t,) in _state(root, "SELECT tick FROM missed_ticks")])


def test_a_project_without_its_api_folder_ends_the_jobrun_failure_saying_why(
    jobctl, tmp_path: Path
) -> None:
    """Real workers on a project folder with no ``api/``: the first attempt says so and the
    JobRun ends FAILURE at once instead of failing its Runs one by one."""
    items = ", ".join(f'{{api: "books/details", parameters: {{n: {n}}}}}' for n in range(6))
    root = write_job(tmp_path, "demo", f"{{payload: [{items}]}}")
    (tmp_path / "empty-project").mkdir()
    args = [
        "run",
        "--resources",
        str(root / "resources"),
        "--state",
        str(root / "state"),
        "--project",
        str(tmp_path / "empty-project"),
        "--trigger",
        "demo",
        "--until-idle",
        "--listen",
        "127.0.0.1:0",
    ]
    done = jobctl(*args)
    assert done.returncode == 2, done.stdout + done.stderr  # ended, not COMPLETED
    assert "ended FAILURE" in done.stdout and "Traceback" not in done.stderr, done.stderr
    state = sqlite3.connect(root / "state" / "state.db")
    (error,) = state.execute("SELECT error FROM job_runs").fetchone()
    assert json.loads(error)["details"]["cause"] == "api-folder-missing"
    assert "has no api/ folder" in json.loads(error)["message"]
