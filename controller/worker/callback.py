"""The worker's side of the callback: POST events, ask AuthSession questions, fetch requests,
upload artifacts."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

AUTH_WAIT_S = 3_600
"""An AuthSession question may wait for another attempt's recreation (the controller bounds it)."""
RESEND_FOR_S = 300.0
RESEND_FIRST_S = 0.25
RESEND_MAX_PAUSE_S = 2.0


def post(callback: str, path: str, token: str, body: dict[str, Any], timeout: float) -> bytes:
    request = urllib.request.Request(
        f"{callback}{path}",
        data=json.dumps(body, default=str).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read())


class AttemptEventPoster:
    """Posts attempt events in the order they were sent, on a thread of its own: the worker's
    event loop (every attempt's Playwright calls) never waits for the controller to answer.
    ``flush`` before the process exits, so that the last outcomes reach the controller."""

    def __init__(self, callback: str, *, resend_for_s: float = RESEND_FOR_S) -> None:
        self.callback, self.resend_for_s = callback, resend_for_s
        self._queue: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        threading.Thread(target=self._run, daemon=True, name="event-poster").start()

    def sender(self, attempt_id: str, token: str) -> Callable[[dict[str, Any]], None]:
        """Events of one attempt, authenticated by ``token`` (the attempt's credential)."""

        def send(event: dict[str, Any]) -> None:
            self._queue.put((token, {"attempt_id": attempt_id, **event}))

        return send

    def flush(self, timeout_s: float = 30.0) -> None:
        done = threading.Event()

        def drained() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=drained, daemon=True).start()
        done.wait(timeout_s)

    def _run(self) -> None:
        while True:
            token, body = self._queue.get()
            try:
                self._deliver(token, body)
            finally:
                self._queue.task_done()

    def _deliver(self, token: str, body: dict[str, Any]) -> None:
        """Sent again until the controller answers, for up to ``resend_for_s``: the outcome of
        an attempt that ended while the controller restarted reaches the one that comes back
        (which waits for it a while), so the Run does not run twice. A refusal is final."""
        log, waited, pause = logging.getLogger(__name__), 0.0, RESEND_FIRST_S
        while True:
            try:
                post(self.callback, "/events", token, body, 30)
                return
            except urllib.error.HTTPError as exc:  # refused: not (or no longer) its attempt
                log.warning("event %s refused: %s", body["type"], exc)
                return
            except (OSError, ValueError) as exc:  # the controller away, or restarting
                if waited >= self.resend_for_s:
                    log.warning("event %s not delivered: %s", body["type"], exc)
                    return
                if not waited:
                    log.warning("event %s not delivered yet (%s); sending again", body["type"], exc)
            time.sleep(pause)
            waited, pause = waited + pause, min(pause * 2, RESEND_MAX_PAUSE_S)


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


UPLOAD_TRIES = 3
Upload = Callable[[str, Path], Awaitable[bool]]


def uploader(callback: str, token: str) -> Upload:
    """PUT a file to where the launcher said (its callback, with this worker's token, or a
    presigned bucket URL, with nothing else: it carries its own authorization). False: it did
    not get there, so the attempt reports no link to it."""

    def put(url: str, path: Path) -> None:
        headers = {"Content-Type": "application/octet-stream"}
        if url.startswith(f"{callback}/"):
            headers["Authorization"] = f"Bearer {token}"
        headers["Content-Length"] = str(path.stat().st_size)
        with path.open("rb") as body:
            request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
            urllib.request.urlopen(request, timeout=120).close()

    async def upload(url: str, path: Path) -> bool:
        for attempt in range(UPLOAD_TRIES):
            try:
                await asyncio.to_thread(put, url, path)
                return True
            except Exception as exc:  # refused, or unreachable: the attempt's outcome matters more
                logging.getLogger(__name__).warning("%s not uploaded: %s", path.name, exc)
                await asyncio.sleep(attempt + 1)
        return False

    return upload
