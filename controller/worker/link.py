"""The line between a worker's agent (holds the credentials, talks to the controller) and its
runner (Chromium and user code, holds none): JSON lines over a socket pair.

The agent sends commands (``{"op": "start", "request": ...}``, ``{"op": "cancel", ...}``) and
answers (``{"reply": n, "value": ...}`` or ``{"reply": n, "error": "..."}``). The runner sends
calls naming their attempt: ``event``, ``ask`` and ``upload`` (the last two with an ``id`` the
answer carries back) and ``ended`` once an attempt's task is over and its final event sent.
Messages stay in the order they were written, so an attempt's events reach the agent in order
and ``ended`` after its final event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

AGENT_FD = "JOBCTL_AGENT_FD"
"""The runner's end of the socket pair (a file descriptor number in its environment)."""
AGENT_PID = "JOBCTL_AGENT_PID"
"""The agent's process ID, so that a runner whose agent died as it started knows."""
MESSAGE_LIMIT = 256 * 1024 * 1024
"""The longest message: an event carrying the largest result, with room for JSON escapes."""


def write(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message, default=str).encode() + b"\n")


async def messages(reader: asyncio.StreamReader) -> AsyncIterator[dict[str, Any]]:
    """Messages until the other side closes its end, dies, or sends a line over the limit; a
    line that is not a JSON object is skipped (the runner's end is within user code's reach)."""
    while True:
        try:
            line = await reader.readline()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            return
        if not line:
            return
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(message, dict):
            yield message
