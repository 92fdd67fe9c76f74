"""AuthSessions end to end: real Chromium workers against the demo site's login.

The controller runs in-process with the local launcher (real worker processes, real Chromium),
so a test can resume Jobs and read the JobRun while the demo site, in a thread, expires or
revokes sessions on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
import sqlite3
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.delivery import DeliverySettings
from controller.embedded import EmbeddedController, Settings
from controller.engine import JobRun
from controller.launch import LocalLauncher
from tests.support.demo_site import demo_site
from tests.support.receivers import Receiver

from .conftest import ROOT

PROJECT = ROOT / "examples" / "bookstore"
PASSWORD = "open-sesame-4f9a1c"


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Start the demo site with a session TTL (``tests.support.demo_site``)."""
    with contextlib.ExitStack() as sites:

        def start(ttl_s: float = 600.0) -> str:
            base = sites.enter_context(demo_site(PASSWORD, ttl_s=ttl_s))
            monkeypatch.setenv("BOOKSTORE_URL", base)  # the project's check.py and create.py
            monkeypatch.setenv("MEMBER_PASSWORD", PASSWORD)
            return base

        yield start


def write(tmp_path: Path, job: dict[str, Any], session: dict[str, Any] | None = None) -> None:
    (tmp_path / "resources" / "jobs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "resources" / "jobs" / "members.job.json").write_text(json.dumps(job))
    if session is not None:
        folder = tmp_path / "resources" / "auth-sessions"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "member.auth-session.json").write_text(json.dumps(session))


def members_job(passes: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "payload": [{"apiName": "members/orders", "parameters": {"passes": passes}}],
        "configuration": {"maxConcurrentRequests": 3, "retry": {"maximumAttempts": 3}},
        "auth_session": {"id": "member", "checkAttempts": 2, "createAttempts": 2},
        **extra,
    }


SESSION = {"credentials": {"username": "reader", "password": {"env": "MEMBER_PASSWORD"}}}


def controller(
    tmp_path: Path, project: Path = PROJECT, *, out: io.StringIO | None = None
) -> EmbeddedController:
    settings = Settings(
        resources=tmp_path / "resources",
        state=tmp_path / "state",
        watch=False,
        delivery=DeliverySettings(allow_private_targets=True),
    )
    launcher = LocalLauncher(
        project=project,
        artifacts=tmp_path / "state" / "attempts",
        capacity=3,
        attempts_per_worker=3,
    )
    return EmbeddedController(settings, launcher, out=out or io.StringIO())


async def _until(job_run: JobRun, statuses: set[str], timeout: float = 90) -> None:
    for _ in range(int(timeout * 20)):
        if job_run.status in statuses:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"JobRun stayed {job_run.status}")


def run_to_end(ctl: EmbeddedController, job_id: str = "members") -> JobRun:
    async def scenario() -> JobRun:
        job_run = ctl.commands.trigger(job_id)
        await asyncio.wait_for(ctl.run(until_idle=True), 120)
        return job_run

    return asyncio.run(scenario())


def stats(base: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/members/stats") as response:
        return dict(json.loads(response.read()))


def revoke(base: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{base}/members/revoke", method="POST")).close()


def test_a_session_that_expires_mid_run_is_recreated_and_every_run_succeeds(
    tmp_path: Path, site: Callable[..., str]
) -> None:
    base = site(ttl_s=4.0)  # longer than one attempt, much shorter than the JobRun
    write(tmp_path, members_job(passes=4), SESSION)
    out = io.StringIO()
    ctl = controller(tmp_path, out=out)
    ctl.start()
    job_run = run_to_end(ctl)
    output = out.getvalue()
    assert (job_run.status, job_run.successful_runs, job_run.failed_runs) == ("COMPLETED", 25, 0)
    assert stats(base)["logins"] >= 2, "the session never expired during the run"
    assert "AuthSession member: recreated (version 2)" in output
    summary = ctl.query.auth_summary("member")  # what the dashboard shows
    assert summary["status"] == "READY" and summary["version"] >= 2
    # A recreation clears the last check (the state row is replaced); a check after the last
    # recreation is timing (none comes when the last Runs reused the new session unchecked).
    assert summary["updated_at"] > 0
    assert summary["checked_at"] is None or summary["checked_at"] >= summary["updated_at"]
    ctl.close()
    _assert_no_secret_leaks(tmp_path, output, job_run)


def test_a_revoked_session_is_recreated_once_for_all_attempts(
    tmp_path: Path, site: Callable[..., str]
) -> None:
    base = site()
    write(tmp_path, members_job(), SESSION)
    ctl = controller(tmp_path)
    ctl.start()
    assert run_to_end(ctl).status == "COMPLETED"
    ctl.close()
    assert stats(base)["logins"] == 1
    revoke(base)
    ctl = controller(tmp_path)
    ctl.start()
    second = run_to_end(ctl)
    ctl.close()
    assert (second.status, second.successful_runs) == ("COMPLETED", 7)
    assert stats(base)["logins"] == 2  # one recreation, however many attempts noticed


def test_wrong_credentials_pause_the_jobrun_then_resume_after_the_fix_completes_it(
    tmp_path: Path, site: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = site()
    monkeypatch.setenv("MEMBER_PASSWORD", "not-the-password-77")
    with Receiver() as receiver:
        notify = [{"type": "webhook", "url": receiver.url("/notify")}]
        write(tmp_path, members_job(notifications=notify), SESSION)
        out = io.StringIO()
        ctl = controller(tmp_path, out=out)
        ctl.start()

        async def scenario() -> JobRun:
            job_run = ctl.commands.trigger("members")
            task = asyncio.create_task(ctl.run())
            await _until(job_run, {"PAUSED"})
            assert job_run.reason is not None
            assert job_run.reason["type"] == "auth-session-invalid-mid-job"
            assert "refused the sign-in" in job_run.reason["message"]
            assert job_run.runs[next(iter(job_run.runs))].attempts == 0  # no retry used
            monkeypatch.setenv("MEMBER_PASSWORD", PASSWORD)  # a person fixes the secret
            ctl.commands.resume("members")
            await _until(job_run, {"COMPLETED", "FAILURE", "TERMINATED"})
            while not ctl.idle():  # the COMPLETED notification is on its way
                await asyncio.sleep(0.05)
            ctl.stop()
            await task
            return job_run

        job_run = asyncio.run(scenario())
        output = out.getvalue()
        ctl.close()
        assert (job_run.status, job_run.successful_runs) == ("COMPLETED", 7)
        statuses = [r.json()["status"] for r in receiver.delivered("/notify")]
        assert statuses[:1] == ["PAUSED"] and "COMPLETED" in statuses
        assert stats(base)["failedLogins"] == 2  # createAttempts
        assert "not-the-password-77" not in output + json.dumps(receiver.on("/notify")[0].json())
    _assert_no_secret_leaks(tmp_path, output, job_run)


def test_an_unknown_session_pauses_the_jobrun_with_auth_session_not_found(
    tmp_path: Path, site: Callable[..., str]
) -> None:
    site()
    write(tmp_path, members_job())
    ctl = controller(tmp_path)
    ctl.start()

    async def scenario() -> JobRun:
        job_run = ctl.commands.trigger("members")
        task = asyncio.create_task(ctl.run())
        await _until(job_run, {"PAUSED"})
        ctl.stop()
        await task
        return job_run

    job_run = asyncio.run(scenario())
    ctl.close()
    assert job_run.reason is not None and job_run.reason["type"] == "auth-session-not-found"


def _assert_no_secret_leaks(tmp_path: Path, output: str, job_run: JobRun) -> None:
    """Neither the password nor the session cookie is in output, results, logs or status.

    The cookie's only home is the controller's state database. Playwright traces are excluded:
    they record the requests of the API (cookie headers included), as Intuned's traces do."""
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        (stored,) = db.execute("SELECT storage_state FROM auth_session_states").fetchone()
    cookies = [c["value"] for c in json.loads(stored)["cookies"]]
    assert cookies, "no session cookie was stored"
    status = json.dumps({"reason": job_run.reason, "error": job_run.error})
    texts = {"controller output": output, "JobRun status": status}
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file() and not path.name.startswith("state.db") and path.suffix != ".zip":
            texts[str(path)] = path.read_text(errors="replace")
    assert any(p.endswith("log.txt") for p in texts) and any(p.endswith(".jsonl") for p in texts)
    for where, text in texts.items():
        assert PASSWORD not in text, f"the password leaked into {where}"
        for cookie in cookies:
            assert cookie not in text, f"the session cookie leaked into {where}"


STEAL = """
import os
import sys


async def automation(page, params, **_kwargs):
    # no credential in the environment; take the attempt's own from the call stack
    frame, ask = sys._getframe(1), None
    while frame is not None and ask is None:
        ask, frame = frame.f_locals.get("ask"), frame.f_back
    answers = [await ask({"op": op, "session": "member"}) for op in ("state", "parameters")]
    return {"tokenInEnvironment": "JOBCTL_WORKER_TOKEN" in os.environ, "answers": answers}
"""


def test_an_attempt_without_the_auth_session_cannot_read_it_with_any_credential(
    tmp_path: Path, site: Callable[..., str]
) -> None:
    """User code finds no worker credential in its environment; with its own attempt's (dug out of
    the call stack) it asks about another Job's AuthSession and gets nothing: the session asked
    about must be its JobRun's."""
    site()
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (project / "api" / "steal.py").write_text(STEAL)
    write(tmp_path, members_job(), SESSION)
    thief = {"payload": [{"apiName": "steal", "parameters": {}}]}
    (tmp_path / "resources" / "jobs" / "thief.job.json").write_text(json.dumps(thief))
    ctl = controller(tmp_path, project)
    ctl.start()

    async def both() -> tuple[JobRun, JobRun]:
        runs = ctl.commands.trigger("members"), ctl.commands.trigger("thief")
        await asyncio.wait_for(ctl.run(until_idle=True), 120)
        return runs

    members, stolen = asyncio.run(both())
    assert members.status == "COMPLETED" and members.failed_runs == 0  # the session has a state
    (line,) = ctl.query.final_run_lines(stolen)
    ctl.close()
    refused = {"action": "error", "message": "not this attempt's AuthSession"}
    assert line["apiInfo"]["result"] == {"tokenInEnvironment": False, "answers": [refused] * 2}
    assert PASSWORD not in json.dumps(line)
