"""The agent's side of the callback: post events (a large result streamed ahead of its event),
fetch a Pod's attempt request, upload artifacts. Only the agent (``agent.py``) holds the tokens
these calls carry."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ..vocabulary import RESULTS_PATH

AUTH_WAIT_S = 3_600
"""An AuthSession question may wait for another attempt's recreation (the controller bounds it)."""
RESEND_FOR_S = 300.0
RESEND_FIRST_S = 0.25
RESEND_MAX_PAUSE_S = 2.0
T = TypeVar("T")
TRY_AGAIN = 503
"""What a starting controller answers until it knows the attempts of the one before it."""


def post(callback: str, path: str, token: str, body: dict[str, Any], timeout: float) -> bytes:
    request = urllib.request.Request(
        f"{callback}{path}",
        data=json.dumps(body, default=str).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read())


def put_file(url: str, body: BinaryIO, token: str | None) -> None:
    """PUT an open file, streamed; with ``token`` as bearer (a callback URL) or without (a
    presigned bucket URL carries its own authorization)."""
    headers = {"Content-Type": "application/octet-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    headers["Content-Length"] = str(os.fstat(body.fileno()).st_size)
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    urllib.request.urlopen(request, timeout=120).close()


@dataclass(frozen=True)
class _Outgoing:
    token: str
    body: dict[str, Any]
    result: BinaryIO | None = None
    """A large result, PUT to ``result_url`` (streamed) before the event that says so."""
    result_url: str = ""


class AttemptEventPoster:
    """Posts attempt events in the order they were sent, on a thread of its own: the worker's
    event loop never waits for the controller to answer. ``flush`` before the process exits,
    so that the last outcomes reach the controller."""

    def __init__(self, callback: str, *, resend_for_s: float = RESEND_FOR_S) -> None:
        self.callback, self.resend_for_s = callback, resend_for_s
        self._queue: queue.Queue[_Outgoing] = queue.Queue()
        threading.Thread(target=self._run, daemon=True, name="event-poster").start()

    def send(self, attempt_id: str, token: str, event: dict[str, Any]) -> None:
        """An event of one attempt, authenticated by ``token`` (the attempt's credential)."""
        self._queue.put(_Outgoing(token, {"attempt_id": attempt_id, **event}))

    def send_with_result(
        self, attempt_id: str, job_run_id: str, token: str, event: dict[str, Any], result: BinaryIO
    ) -> None:
        """A ``result`` event whose result (an open file, closed once sent) goes first, by
        itself and streamed; the event then says ``result_uploaded``."""
        body = {"attempt_id": attempt_id, **event, "result_uploaded": True}
        url = f"{self.callback}{RESULTS_PATH}/{job_run_id}/{attempt_id}"
        self._queue.put(_Outgoing(token, body, result, url))

    def flush(self, timeout_s: float = 30.0) -> None:
        done = threading.Event()

        def drained() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=drained, daemon=True).start()
        done.wait(timeout_s)

    def _run(self) -> None:
        while True:
            outgoing = self._queue.get()
            try:
                self._deliver(outgoing)
            finally:
                if outgoing.result is not None:
                    outgoing.result.close()
                self._queue.task_done()

    def _deliver(self, outgoing: _Outgoing) -> None:
        """Sent again while the controller is away or starting, for up to ``resend_for_s``: the
        outcome of an attempt that ended while the controller restarted reaches the one that
        comes back (which waits for it a while), so the Run does not run twice. A refusal is
        final."""
        log, kind = logging.getLogger(__name__), outgoing.body["type"]

        def send() -> None:
            if outgoing.result is not None:
                outgoing.result.seek(0)
                put_file(outgoing.result_url, outgoing.result, outgoing.token)
            post(self.callback, "/events", outgoing.token, outgoing.body, 30)

        def waiting(exc: Exception) -> None:
            log.warning("event %s not delivered yet (%s); sending again", kind, exc)

        try:
            sent_again(send, for_s=self.resend_for_s, waiting=waiting)
        except urllib.error.HTTPError as exc:  # refused: not (or no longer) its attempt
            log.warning("event %s refused: %s", kind, exc)
        except (OSError, ValueError) as exc:
            log.warning("event %s not delivered: %s", kind, exc)


def sent_again(send: Callable[[], T], *, for_s: float, waiting: Callable[[Exception], None]) -> T:
    """``send()``, tried again while the controller is away (no connection) or starting (it
    answers ``TRY_AGAIN``), for up to ``for_s``; ``waiting`` hears the first failure. Any other
    answer, or the time up, raises."""
    waited, pause = 0.0, RESEND_FIRST_S
    while True:
        try:
            return send()
        except urllib.error.HTTPError as exc:
            if exc.code != TRY_AGAIN or waited >= for_s:
                raise
            failure: Exception = exc
        except (OSError, ValueError) as exc:
            if waited >= for_s:
                raise
            failure = exc
        if not waited:
            waiting(failure)
        time.sleep(pause)
        waited, pause = waited + pause, min(pause * 2, RESEND_MAX_PAUSE_S)


def fetch_request(callback: str, token: str, attempt_id: str) -> dict[str, Any]:
    """The attempt request of a Pod's one attempt (asked again while the controller is away
    or starting)."""

    def ask() -> bytes:
        return post(callback, "/attempt", token, {"attempt_id": attempt_id}, 30)

    return dict(json.loads(sent_again(ask, for_s=RESEND_FOR_S, waiting=lambda _exc: None)))


UPLOAD_TRIES = 3
Upload = Callable[[str, Path], Awaitable[bool]]


def uploader(callback: str, token: str) -> Upload:
    """PUT a file to where the launcher said (its callback, with the attempt's token, or a
    presigned bucket URL, with nothing else). False: it did not get there, so the attempt
    reports no link to it."""

    def put(url: str, path: Path) -> None:
        with path.open("rb") as body:
            put_file(url, body, token if url.startswith(f"{callback}/") else None)

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
