"""The worker's side of the callback: POST events, ask AuthSession questions, fetch requests."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

AUTH_WAIT_S = 3_600
"""An AuthSession question may wait for another attempt's recreation (the controller bounds it)."""


def post(callback: str, path: str, token: str, body: dict[str, Any], timeout: float) -> bytes:
    request = urllib.request.Request(
        f"{callback}{path}", data=json.dumps(body, default=str).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read())


def sender(callback: str, token: str, attempt_id: str) -> Callable[[dict[str, Any]], None]:
    def send(event: dict[str, Any]) -> None:
        post(callback, "/events", token, {"attempt_id": attempt_id, **event}, 30)

    return send


def asker(
    callback: str, token: str, attempt_id: str
) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    async def ask(message: dict[str, Any]) -> dict[str, Any]:
        body = {"attempt_id": attempt_id, **message}
        answer = await asyncio.to_thread(post, callback, "/auth", token, body, AUTH_WAIT_S)
        return dict(json.loads(answer))

    return ask


def fetch_request(callback: str, token: str, attempt_id: str) -> dict[str, Any]:
    return dict(json.loads(post(callback, "/attempt", token, {"attempt_id": attempt_id}, 30)))
