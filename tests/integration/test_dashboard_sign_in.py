"""Signing in to the dashboard of a real ``jobctl run``: sessions are revocable and expire, wrong
keys are throttled, and a page of another origin (another port of this host included) cannot
act here, whether it carries the cookie or the API needs none."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.controller_process import RunningController, start_controller

JOB = {"payload": [{"apiName": "a"}]}


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    running = start_controller(tmp_path_factory.mktemp("sign-in"), {"job": JOB})
    yield running
    running.stop()


def browser(controller: RunningController) -> httpx.Client:
    """A client with no key: what a browser has, before and after signing in."""
    return httpx.Client(base_url=controller.url, timeout=30, trust_env=False)


def test_a_session_ends_at_logout_even_for_a_copied_cookie(controller) -> None:
    with browser(controller) as client:
        assert client.post("/login", json={"key": controller.api_key}).status_code == 204
        cookie = client.cookies["jobctl_session"]
        assert controller.api_key not in cookie
        assert client.get(f"{controller.base}/jobs").status_code == 200
        assert client.post("/logout").status_code == 204
    with browser(controller) as thief:
        thief.cookies.set("jobctl_session", cookie)
        assert thief.get(f"{controller.base}/jobs").status_code == 401


def test_another_origin_cannot_trigger_a_job(controller) -> None:
    with browser(controller) as client:
        client.post("/login", json={"key": controller.api_key}).raise_for_status()
        port = controller.url.rsplit(":", 1)[1]
        trigger = f"{controller.base}/jobs/job/trigger"
        evil = {"Origin": f"http://127.0.0.1:{int(port) + 1}"}
        refused = client.post(trigger, headers=evil)
        assert refused.status_code == 403, refused.text
        own = {"Origin": controller.url}
        assert client.post(trigger, headers=own).status_code in (200, 201)


def test_wrong_keys_are_throttled_per_client(tmp_path) -> None:
    controller = start_controller(tmp_path, {"job": JOB})  # its own: the others sign in
    with browser(controller) as client:
        answers = [client.post("/login", json={"key": f"wrong-{n}"}).status_code for n in range(12)]
        assert answers[:10] == [401] * 10 and answers[10:] == [429, 429]
        throttled = client.post("/login", json={"key": controller.api_key})
        assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    controller.stop()


def test_the_cookie_is_secure_behind_tls(controller) -> None:
    with browser(controller) as client:
        behind_tls = {"X-Forwarded-Proto": "https"}
        response = client.post("/login", json={"key": controller.api_key}, headers=behind_tls)
        assert "secure" in response.headers["set-cookie"].lower()
        plain = client.post("/login", json={"key": controller.api_key})
        assert "secure" not in plain.headers["set-cookie"].lower()
