"""The attempt that user code runs in, as the runtime API sees it (``intuned_api``).

The worker sets ``current_attempt`` for the task that runs an attempt (its setup hook and its
API), so the API's functions work from any depth of user code, act on that attempt only, and
fail clearly outside one. What an attempt collects (its attempt store, its attributes) lives
here and dies with it; what outlives it goes to the controller through ``send`` (events, in
order) and ``ask`` (questions with an answer: AuthSession parameters, the persistent store).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

Send = Callable[[dict[str, Any]], None]
"""Delivers one event to the controller, in order with the attempt's other events."""
Ask = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""Puts one question to the controller about this attempt and returns its answer."""


@dataclass
class AttemptContext:
    request: Mapping[str, Any]
    """The attempt's request: its IDs, API, parameters and AuthSession."""
    send: Send
    ask: Ask | None = None
    store: dict[str, Any] = field(default_factory=dict)
    """``attempt_store``: seen by the setup hook and the API of this attempt only."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """``set_attribute``: reported with the attempt's outcome."""

    @property
    def attempt_id(self) -> str:
        return str(self.request["attempt_id"])


current_attempt: ContextVar[AttemptContext | None] = ContextVar("current_attempt", default=None)


class NotInJobRunError(RuntimeError):
    pass


def attempt_for(function: str) -> AttemptContext:
    attempt = current_attempt.get()
    if attempt is None:
        raise NotInJobRunError(
            f"{function}() only works while an API runs as part of a JobRun; "
            "it was called outside one"
        )
    return attempt
