"""Attempt logs: what user code prints goes to the log of the attempt whose task printed it,
and the values of the project's own environment variables (its ``.env``) never reach a log.

``sys.stdout`` and ``sys.stderr`` are shared by every attempt of a worker; ``RoutedStream``
stands in for both and writes to the current attempt's log (a context variable), else to the
process's own stream.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import TextIO

from ..vocabulary import PROJECT_ENV_NAMES

MASK = "***"
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
    split across two writes is still masked: text is held until its line ends)."""

    def __init__(self, path: Path, secrets: Iterable[str]) -> None:
        self._file = path.open("w", encoding="utf-8")
        self._secrets = sorted(set(secrets), key=len, reverse=True)
        self._pending = ""

    def write(self, text: str) -> int:
        if not self._secrets:
            return self._file.write(text)
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self._file.write(self._masked(line) + "\n")
        return len(text)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if self._pending:
            self._file.write(self._masked(self._pending))
            self._pending = ""
        super().close()  # flushes
        self._file.close()

    def _masked(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, MASK)
        return line


def project_secrets() -> list[str]:
    """Values of the project's environment variables, from this worker's environment."""
    names = filter(None, os.environ.get(PROJECT_ENV_NAMES, "").split(","))
    values = (os.environ.get(name, "") for name in names)
    return [value for value in values if len(value) >= SHORTEST_MASKED]
