"""Recorder AuthSessions: a person signs in (a password, then a code from their phone: what
``create.py`` cannot do) in a browser the controller opens, through the REST API, or in a
browser window of ``jobctl authsessions record`` on a display; a Job of the session pauses
until someone has, then completes. Real Chromium, the demo site, ``jobctl run``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.controller_process import JOBCTL, RunningController
from tests.support.demo_site import demo_site
from tests.support.person import (
    CODE_PAGE,
    code_on_the_phone,
    controller_with_a_recorder_session,
    where_on_the_screen,
)
from tests.support.waiting import wait_for

PASSWORD = "two-steps-9Q"


@pytest.fixture
def site() -> Iterator[str]:
    with demo_site(PASSWORD) as base:
        yield base


@pytest.fixture
def controller(tmp_path: Path, site: str) -> Iterator[RunningController]:
    member = {"credentials": {"username": "reader", "password": PASSWORD}}
    running = controller_with_a_recorder_session(tmp_path, site, {"member": member})
    yield running
    running.stop()


@pytest.fixture
def api(controller: RunningController) -> Iterator[tuple[httpx.Client, str]]:
    with controller.client() as client:
        yield client, controller.base


def _screen_events(client: httpx.Client, path: str) -> list[tuple[str, Any]]:
    """The sign-in's screen stream until it ends: (event, data) pairs."""
    events: list[tuple[str, Any]] = []
    kind = ""
    with client.stream("GET", path, timeout=120) as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((kind, json.loads(line.removeprefix("data: "))))
    return events


def _verdict(client: httpx.Client, base: str, validation_id: str) -> dict[str, Any]:
    path = f"{base}/auth-sessions/member-sso/validate/{validation_id}/result"

    def decided() -> dict[str, Any] | None:
        result: dict[str, Any] = client.get(path).json()
        return None if result["status"] in ("pending", "in_progress") else result

    found: dict[str, Any] = wait_for(decided, 120, "the check of the saved sign-in")
    return found


def test_a_person_signs_in_through_the_api_and_the_paused_job_completes(
    controller: RunningController, api: tuple[httpx.Client, str], site: str
) -> None:
    client, base = api
    client.post(f"{base}/jobs/sso-orders/trigger").raise_for_status()
    job = wait_for(
        lambda: (j := client.get(f"{base}/jobs/sso-orders").json())["state"] == "PAUSED" and j,
        120,
        "the Job to pause for a person's sign-in",
    )
    assert "a person must sign in again" in job["reason"]["message"]
    session = client.get(f"{base}/auth-sessions/member-sso").json()
    assert session == {"id": "member-sso", "type": "RECORDER", "status": "PENDING"}  # never yet

    started = client.post(f"{base}/auth-sessions/member-sso/sign-in")
    assert started.status_code == 200, started.text
    assert started.json()["url"].startswith(f"{site}/sso/login")
    again = client.post(f"{base}/auth-sessions/member-sso/sign-in").json()
    assert again["active"] is True  # a second viewer joins the same browser

    def press(**event: Any) -> None:
        answer = client.post(f"{base}/auth-sessions/member-sso/sign-in/input", json=event)
        assert answer.status_code == 204, answer.text

    password, button = where_on_the_screen(f"{site}/sso/login", "#password", "#sign-in")
    press(type="text", text="reader")  # the username field has the focus
    press(type="click", x=password[0], y=password[1])
    press(type="text", text=PASSWORD)
    press(type="down", x=button[0], y=button[1])
    press(type="up", x=button[0], y=button[1])
    status = f"{base}/auth-sessions/member-sso/sign-in"
    wait_for(lambda: CODE_PAGE in client.get(status).json()["url"], 30, "the code page")
    press(type="text", text=code_on_the_phone(site))
    press(type="key", key="Enter")

    events = _screen_events(client, f"{base}/auth-sessions/member-sso/sign-in/screen")
    frames = [data for kind, data in events if kind == "frame"]
    assert frames and frames[0]["width"] == 1280
    assert frames[0]["jpeg"].startswith("/9j/")  # a JPEG, base64
    kind, outcome = events[-1]
    assert kind == "end" and outcome["kind"] == "saved", events[-1]
    assert outcome["saved"]["version"] == 1
    verdict = _verdict(client, base, outcome["saved"]["validationId"])
    assert verdict["status"] == "done", verdict
    assert client.get(f"{base}/auth-sessions/member-sso").json()["status"] == "READY"

    client.post(f"{base}/jobs/sso-orders/resume").raise_for_status()

    def completed() -> bool:
        runs = client.get(f"{base}/jobs/sso-orders/runs").json()["jobRuns"]
        return runs[0]["status"] == "COMPLETED"

    wait_for(completed, 120, "the resumed JobRun to complete with the person's sign-in")
    log = controller.log.read_text()
    assert PASSWORD not in log and "signed in by a person (version 1)" in log


def test_a_sign_in_saved_before_signing_in_fails_its_check_and_expires(
    api: tuple[httpx.Client, str],
) -> None:
    client, base = api
    client.post(f"{base}/auth-sessions/member-sso/sign-in").raise_for_status()
    saved = client.post(f"{base}/auth-sessions/member-sso/sign-in/save").json()
    assert saved["active"] is False and saved["outcome"]["kind"] == "saved"
    verdict = _verdict(client, base, saved["outcome"]["saved"]["validationId"])
    assert verdict["status"] == "failed"
    assert "a person must sign in again" in json.dumps(verdict)
    assert client.get(f"{base}/auth-sessions/member-sso").json()["status"] == "EXPIRED"


def test_only_recorder_sessions_take_a_sign_in_and_bad_input_is_refused(
    api: tuple[httpx.Client, str],
) -> None:
    client, base = api
    refused = client.post(f"{base}/auth-sessions/member/sign-in")
    assert refused.status_code == 409
    assert "only recorder AuthSessions" in refused.json()["message"]
    assert client.post(f"{base}/auth-sessions/nope/sign-in").status_code == 404
    nobody = client.post(f"{base}/auth-sessions/member-sso/sign-in/input", json={"type": "move"})
    assert nobody.status_code == 404
    client.post(f"{base}/auth-sessions/member-sso/sign-in").raise_for_status()
    unknown = {"type": "key", "key": "NoSuchKey"}
    answer = client.post(f"{base}/auth-sessions/member-sso/sign-in/input", json=unknown)
    assert answer.status_code == 400 and "unknown key" in answer.json()["message"]
    bad = client.post(f"{base}/auth-sessions/member-sso/sign-in/input", json={"type": "fly"})
    assert bad.status_code == 400
    assert client.delete(f"{base}/auth-sessions/member-sso/sign-in").status_code == 204
    status = client.get(f"{base}/auth-sessions/member-sso/sign-in").json()
    assert status["active"] is False and status["outcome"]["kind"] == "cancelled"


def _record(controller: RunningController, display: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display is not None:
        env["DISPLAY"] = display
    command = [str(JOBCTL), "authsessions", "record", "member-sso", "--server", controller.url]
    return subprocess.Popen(
        [*command, "--api-key", controller.api_key],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_record_without_a_display_says_where_else_to_sign_in_and_list_shows_the_kinds(
    controller: RunningController,
) -> None:
    recording = _record(controller, None)
    out, err = recording.communicate(timeout=60)
    assert recording.returncode == 2, (out, err)
    assert "no display here" in err and "dashboard's AuthSessions page" in err
    listing = subprocess.run(
        [str(JOBCTL), "authsessions", "list", "--server", controller.url],
        env={**os.environ, "JOBCTL_API_KEY": controller.api_key},
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {line.split()[0]: line.split()[1:3] for line in listing.stdout.splitlines()[1:]}
    assert rows == {"member": ["credentials", "PENDING"], "member-sso": ["recorder", "PENDING"]}


@pytest.fixture
def display() -> Iterator[str]:
    """A virtual X display (Xvfb; ``make test`` installs it) a person types on with xdotool."""
    for tool in ("Xvfb", "xdotool"):
        assert shutil.which(tool), f"{tool} is missing: `make display-tools` installs it"
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x900x24"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    number = server.stdout.readline().strip()
    yield f":{number}"
    server.terminate()
    server.wait(10)
    server.stdout.close()


def test_record_signs_in_in_a_browser_window_on_a_display(
    controller: RunningController, api: tuple[httpx.Client, str], site: str, display: str
) -> None:
    recording = _record(controller, display)
    try:
        _sign_in_on_the_display(display, site)
        out, err = recording.communicate(timeout=120)
    finally:
        if recording.poll() is None:
            recording.kill()
            recording.communicate()
    assert recording.returncode == 0, (out, err)
    assert "AuthSession member-sso is ready (version 1)" in out
    assert PASSWORD not in out + err
    client, base = api
    assert client.get(f"{base}/auth-sessions/member-sso").json()["status"] == "READY"


def _sign_in_on_the_display(display: str, site: str) -> None:
    """What a person does at the keyboard, in the browser window on ``display``."""

    def xdotool(*arguments: str) -> str:
        done = subprocess.run(
            ["xdotool", *arguments],
            env={"DISPLAY": display},
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    window = wait_for(
        lambda: xdotool("search", "--onlyvisible", "--name", "Sign in"), 60, "the window"
    )
    xdotool("windowfocus", "--sync", window.split()[0])
    xdotool("type", "--delay", "30", "reader")
    xdotool("key", "Tab")
    xdotool("type", "--delay", "30", PASSWORD)
    xdotool("key", "Return")
    wait_for(lambda: xdotool("search", "--onlyvisible", "--name", "Enter your code"), 30, "it")
    xdotool("type", "--delay", "30", code_on_the_phone(site))
    xdotool("key", "Return")
