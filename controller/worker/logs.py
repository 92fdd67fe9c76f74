"""Attempt logs: what user code prints goes to the log of the attempt whose task printed it,
and the values of the project's own environment variables (its ``.env``) never reach a log.

``sys.stdout`` and ``sys.stderr`` are shared by every attempt of a worker; ``RoutedStream``
stands in for both and writes to the current attempt's log (a context variable), else to the
process's own stream.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import TextIO

from ..vocabulary import PROJECT_ENV_NAMES

MASK = "***"
LIVE_EVERY_S = 1.0
"""How long printed text gathers before it goes to the controller's live log."""
SHORTEST_MASKED = 6
"""Values shorter than this are not masked (``true``, ``8080``: masking them would garble logs
and protect nothing)."""

LogFile = TextIO | io.TextIOBase
current_log: ContextVar[LogFile | None] = ContextVar("current_log", default=None)


class RoutedStream(io.TextIOBase):
    def __init__(self, fallback: LogFile) -> None:
        self.fallback = fallback

    def write(self, text: str) -> int:
        return (current_log.get() or self.fallback).write(text)

    def flush(self) -> None:
        (current_log.get() or self.fallback).flush()


class AttemptLog(io.TextIOBase):
    """One attempt's ``log.txt``, with the project's secret values masked line by line (a value
    split across two writes is still masked: text is held until its line ends). With ``live``,
    what is written also goes there, gathered for ``LIVE_EVERY_S`` (the controller's live log of
    the attempt), and the last of it before ``close`` returns: nothing is sent after."""

    def __init__(
        self, path: Path, secrets: Iterable[str], live: Callable[[str], None] | None = None
    ) -> None:
        self._file = path.open("w", encoding="utf-8")
        self._secrets = sorted(set(secrets), key=len, reverse=True)
        self._pending = ""
        self._live = live
        self._unsent: list[str] = []
        self._sending = False
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

    def write(self, text: str) -> int:
        if not self._secrets:
            self._out(text)
            return len(text)
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self._out(self._masked(line) + "\n")
        return len(text)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if self._pending:
            self._out(self._masked(self._pending))
            self._pending = ""
        self._send()
        self._live = None
        super().close()  # flushes
        self._file.close()

    def _out(self, masked: str) -> None:
        self._file.write(masked)
        if self._live is None or not masked:
            return
        self._unsent.append(masked)
        if self._loop is None:
            self._send()
        elif not self._sending:  # (user code may print from a thread of its own)
            self._sending = True
            self._loop.call_soon_threadsafe(self._loop.call_later, LIVE_EVERY_S, self._send)

    def _send(self) -> None:
        self._sending = False
        if self._live is not None and self._unsent:
            text, self._unsent = "".join(self._unsent), []
            self._live(text)

    def _masked(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, MASK)
        return line


def project_secrets() -> list[str]:
    """Values of the project's environment variables, from this worker's environment."""
    names = filter(None, os.environ.get(PROJECT_ENV_NAMES, "").split(","))
    values = (os.environ.get(name, "") for name in names)
    return [value for value in values if len(value) >= SHORTEST_MASKED]
