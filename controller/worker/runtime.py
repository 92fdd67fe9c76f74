"""What automation code calls while it runs: ``extend_payload`` and ``extend_timeout``.

They act on the attempt the current task is executing (a context variable set by the worker), so
they work from any depth of user code and fail clearly outside a JobRun attempt. Code written for
Intuned imports them as ``intuned_runtime.extend_payload`` and ``runtime_helpers.extend_timeout``;
both modules re-export these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..vocabulary import worker_event


@dataclass(frozen=True)
class AttemptContext:
    attempt_id: str
    send: Callable[[dict[str, Any]], None]
    """Delivers one event to the controller (blocking until it is acknowledged)."""


current_attempt: ContextVar[AttemptContext | None] = ContextVar("current_attempt", default=None)


class NotInJobRunError(RuntimeError):
    pass


def _attempt(function: str) -> AttemptContext:
    attempt = current_attempt.get()
    if attempt is None:
        raise NotInJobRunError(
            f"{function}() only works while an API runs as part of a JobRun; "
            "it was called outside one"
        )
    return attempt


def extend_payload(items: dict[str, Any] | Iterable[dict[str, Any]]) -> None:
    """Append payload items (``{"api": ..., "parameters": {...}}``) to the running JobRun.

    The new Runs inherit the JobRun's retry policy, concurrency and auth session.
    """
    batch = [items] if isinstance(items, dict) else list(items)
    for item in batch:
        if not isinstance(item, dict) or not ({"api", "apiName"} & item.keys()):
            raise ValueError(f"extend_payload() items need an 'api' and 'parameters', got {item!r}")
    _attempt("extend_payload").send(worker_event("extend_payload", items=batch))


def extend_timeout() -> None:
    """Restart this attempt's requestTimeout from now."""
    _attempt("extend_timeout").send(worker_event("heartbeat"))
