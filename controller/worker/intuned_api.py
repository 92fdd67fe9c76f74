"""Intuned's runtime API (``intuned-runtime`` 1.3.x, its ``__all__``) for user code in an attempt.

User code imports it as ``intuned_runtime`` (or ``runtime_helpers``, its deprecated alias): the
worker puts ``compat/`` first on the attempt process's path, so these names are what the
project's code gets, whether or not the real ``intuned-runtime`` is installed beside it. Every
function acts on the attempt the calling task runs (``runtime.current_attempt``) and raises
``NotInJobRunError`` outside one. Names, signatures and semantics are Intuned's; where Intuned
calls its own platform (the persistent store, agent messages, the AI gateway) this controller
answers instead.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..vocabulary import worker_event
from .runtime import AttemptContext, NotInJobRunError, attempt_for, current_attempt
from .serialize import NotJsonError, json_value

__all__ = [
    "AttributeValue",
    "EnsureBrowserFunction",
    "IntunedContext",
    "NonRetryableError",
    "NotInJobRunError",
    "attempt_store",
    "deferred_browser",
    "delete_attribute",
    "extend_payload",
    "extend_timeout",
    "get_ai_gateway_config",
    "get_auth_session_parameters",
    "persistent_store",
    "run_info",
    "send_message_to_agent",
    "set_attribute",
]


def extend_payload(*payload: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Append Runs (``{"api": ..., "parameters": {...}}``) to the running JobRun; they inherit
    its retry policy, concurrency and AuthSession. Parameters may hold pydantic models and
    dates (made JSON as Intuned does). A list argument is taken item by item (jobctl's older
    form). Like Intuned's, it also extends the attempt's timeout."""
    attempt = attempt_for("extend_payload")
    items: list[dict[str, Any]] = []
    for argument in payload:
        for item in argument if isinstance(argument, list) else [argument]:
            items.append(_payload_item(item))
    attempt.send(worker_event("extend_payload", items=items))


def _payload_item(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not ({"api", "apiName"} & item.keys()):
        raise ValueError(f"extend_payload() items need an 'api' and 'parameters', got {item!r}")
    try:
        return dict(json_value(item, "extend_payload item"))
    except NotJsonError as exc:
        raise TypeError(f"Parameters are not JSON serializable: {exc}") from None


def extend_timeout() -> None:
    """Restart this attempt's requestTimeout from now."""
    attempt_for("extend_timeout").send(worker_event("heartbeat"))


class _AttemptStore:
    """A key-value store of one attempt, shared by its setup hook and its API."""

    def get(self, key: str, default: Any = None) -> Any:
        return attempt_for("attempt_store.get").store.get(key, default)

    def set(self, key: str, value: Any) -> None:
        attempt_for("attempt_store.set").store[key] = value


attempt_store = _AttemptStore()

_FORBIDDEN_KEY_CHARACTERS = re.compile(r"[:#]")


def _store_key(key: str) -> str:
    if len(key) < 1:
        raise ValueError("Key must be at least 1 character long")
    if _FORBIDDEN_KEY_CHARACTERS.search(key):
        raise ValueError('Key cannot contain the following characters: ":" or "#"')
    return key


class _PersistentStore:
    """A key-value store of the project, kept by the controller across attempts, JobRuns and
    restarts; keys are at least one character and hold neither ``:`` nor ``#``."""

    async def get(self, key: str) -> Any:
        answer = await _ask("persistent_store.get", {"op": "get", "key": _store_key(key)})
        return answer.get("value")

    async def set(self, key: str, value: Any) -> None:
        plain = json_value(value, f"persistent_store[{key!r}]")
        await _ask("persistent_store.set", {"op": "set", "key": _store_key(key), "value": plain})


persistent_store = _PersistentStore()


async def _ask(function: str, question: dict[str, Any]) -> dict[str, Any]:
    attempt = attempt_for(function)
    if attempt.ask is None:
        raise RuntimeError(f"{function}() needs the controller, which this attempt cannot reach")
    answer = await attempt.ask({"topic": "kv", **question})
    if answer.get("action") == "error":
        raise RuntimeError(f"{function}(): {answer.get('message')}")
    return answer


async def get_auth_session_parameters() -> dict[str, Any]:
    """The parameters of the Run's AuthSession (what ``create.py`` signs in with)."""
    attempt = attempt_for("get_auth_session_parameters")
    session = attempt.request.get("auth_session")
    if not session or attempt.ask is None:
        raise RuntimeError(
            "get_auth_session_parameters(): this Run has no AuthSession; give its Job an "
            "auth_session to use one"
        )
    answer = await attempt.ask({"op": "parameters", "session": session})
    if answer.get("action") != "parameters":
        message = (answer.get("reason") or {}).get("message") or answer.get("message")
        raise RuntimeError(f"get_auth_session_parameters(): {message}")
    return dict(answer["parameters"])


AttributeValue = str | int | float | bool | None
_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_ATTRIBUTES = 64
MAX_ATTRIBUTES_BYTES = 16 * 1024


def set_attribute(key: str, value: AttributeValue) -> None:
    """Set a key/value attribute on the current Run, reported with its outcome whatever it is.
    Keys start with a letter and hold letters, digits and ``_`` (at most 64 characters); a Run
    has at most 64 attributes, at most 16 KB as JSON. ``ValueError`` otherwise."""
    attributes = attempt_for("set_attribute").attributes
    if not isinstance(key, str) or not _ATTRIBUTE_KEY.match(key):
        raise ValueError(
            f"attribute key {key!r}: start with a letter, then letters, digits or '_' "
            "(at most 64 characters)"
        )
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValueError(
            f"attribute {key!r}: a {type(value).__name__} is not a string, number, boolean or None"
        )
    changed = {**attributes, key: value}
    if len(changed) > MAX_ATTRIBUTES:
        raise ValueError(f"a Run has at most {MAX_ATTRIBUTES} attributes")
    if len(repr(changed).encode()) > MAX_ATTRIBUTES_BYTES:
        raise ValueError(f"a Run's attributes are at most {MAX_ATTRIBUTES_BYTES} bytes")
    attributes[key] = value


def delete_attribute(key: str) -> None:
    """Remove an attribute from the current Run; nothing happens if it is not set."""
    attempt_for("delete_attribute").attributes.pop(key, None)


def send_message_to_agent(
    *,
    dedup_key: str,
    message: str,
    additional_context: dict[str, Any] | None = None,
    agent_session_options: dict[str, Any] | None = None,
) -> None:
    """Intuned hands these to a managed agent; here they are written to the attempt's log,
    where a person (or an agent reading logs) finds them. Never raises after validation."""
    attempt_for("send_message_to_agent")
    if not dedup_key or not isinstance(message, str):
        raise ValueError("send_message_to_agent() needs a dedup_key and a message")
    context = f" {json_value(additional_context)}" if additional_context else ""
    print(f"[message to agent {dedup_key}] {message}{context}", file=sys.stdout)


AI_GATEWAY_URL_ENV = "JOBCTL_AI_GATEWAY_URL"
AI_GATEWAY_KEY_ENV = "JOBCTL_AI_GATEWAY_API_KEY"


def get_ai_gateway_config() -> tuple[str, str]:
    """``(base_url, api_key)`` of the AI gateway the controller is configured with:
    ``$JOBCTL_AI_GATEWAY_URL`` and ``$JOBCTL_AI_GATEWAY_API_KEY`` of the controller (local
    workers inherit its environment), or of the worker Pods (``worker.env``)."""
    attempt_for("get_ai_gateway_config")
    base_url = os.environ.get(AI_GATEWAY_URL_ENV)
    if not base_url:
        raise RuntimeError(
            f"get_ai_gateway_config(): no AI gateway is configured; set ${AI_GATEWAY_URL_ENV} "
            f"(and ${AI_GATEWAY_KEY_ENV} for its key) for the workers"
        )
    return base_url, os.environ.get(AI_GATEWAY_KEY_ENV, "")


class NonRetryableError(Exception):
    """An automation error that stops the run without further retries."""


@dataclass(frozen=True)
class IntunedRunContext:
    """What ``run_info()`` says of the running attempt (Intuned's fields, and ours)."""

    job_id: str | None = None
    job_run_id: str | None = None
    run_id: str | None = None
    auth_session_id: str | None = None
    attempt_number: int | None = None
    api_name: str | None = None
    dependency_id: str | None = None
    dependency_for: str | None = None
    parent_run_id: str | None = None
    proxy: str | None = None


class IntunedContext:
    """``IntunedContext.current()`` as in Intuned: the running attempt's context."""

    def __init__(self, attempt: AttemptContext) -> None:
        self._attempt = attempt

    @classmethod
    def current(cls) -> IntunedContext:
        attempt = current_attempt.get()
        if attempt is None:
            raise LookupError("No context found: IntunedContext is set only while an API runs")
        return cls(attempt)

    @property
    def run_context(self) -> IntunedRunContext:
        request = self._attempt.request
        return IntunedRunContext(
            job_id=request.get("job_id"),
            job_run_id=request.get("job_run_id"),
            run_id=request.get("run_id"),
            auth_session_id=request.get("auth_session"),
            attempt_number=request.get("attempt_number"),
            api_name=request.get("api_name"),
        )

    @property
    def store(self) -> dict[str, Any]:
        return self._attempt.store

    @property
    def attributes(self) -> dict[str, Any]:
        return self._attempt.attributes


def run_info() -> IntunedRunContext:
    return IntunedContext.current().run_context


class EnsureBrowserFunction(Protocol):
    def __call__(self) -> Awaitable[tuple[Any, Any]]: ...


F = TypeVar("F", bound=Callable[..., Any])
DEFERRED_BROWSER = "_deferred_browser_function"


def deferred_browser(function: F) -> F:
    """Mark an API that opens its browser only when it needs one: it is called as
    ``automation(params, ensure_browser=...)`` and ``await ensure_browser()`` gives
    ``(context, page)``."""
    setattr(function, DEFERRED_BROWSER, True)
    return function


def is_deferred_browser(function: Any) -> bool:
    return getattr(function, DEFERRED_BROWSER, False) is True
