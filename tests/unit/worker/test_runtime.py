"""The helpers automation code imports, outside and inside an attempt."""

from __future__ import annotations

import pytest

from controller.worker.attempt import playwright_proxy
from controller.worker.compat import intuned_runtime, runtime_helpers
from controller.worker.runtime import AttemptContext, NotInJobRunError, current_attempt


def test_helpers_outside_a_jobrun_raise_a_clear_error() -> None:
    with pytest.raises(NotInJobRunError, match="only works while an API runs as part of a JobRun"):
        intuned_runtime.extend_payload({"api": "x", "parameters": {}})
    with pytest.raises(NotInJobRunError):
        runtime_helpers.extend_timeout()


def test_helpers_inside_an_attempt_send_events() -> None:
    sent: list[dict] = []
    token = current_attempt.set(AttemptContext({"attempt_id": "ru_x.1"}, sent.append))
    try:
        intuned_runtime.extend_payload([{"api": "a", "parameters": {"n": 1}}, {"apiName": "b"}])
        runtime_helpers.extend_timeout()
        with pytest.raises(ValueError, match="need an 'api'"):
            intuned_runtime.extend_payload({"parameters": {}})
    finally:
        current_attempt.reset(token)
    assert sent == [
        {
            "type": "extend_payload",
            "items": [{"api": "a", "parameters": {"n": 1}}, {"apiName": "b"}],
        },
        {"type": "heartbeat"},
    ]


def test_proxy_urls_become_playwright_proxy_settings() -> None:
    assert playwright_proxy("http://user:pa%40ss@127.0.0.1:3128") == {
        "server": "http://127.0.0.1:3128",
        "username": "user",
        "password": "pa@ss",
    }
    assert playwright_proxy("socks5://proxy.local:1080") == {"server": "socks5://proxy.local:1080"}
