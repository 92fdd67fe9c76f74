"""Intuned's runtime API as user code calls it inside (and outside) an attempt."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field

from controller.worker.compat import intuned_runtime
from controller.worker.intuned_api import is_deferred_browser
from controller.worker.runtime import AttemptContext, NotInJobRunError, current_attempt

REQUEST = {
    "attempt_id": "ru_x.2",
    "job_id": "books",
    "job_run_id": "jr_x",
    "run_id": "ru_x",
    "attempt_number": 2,
    "api_name": "book",
    "auth_session": "member",
}


class Item(BaseModel):
    unit_price: float = Field(alias="unitPrice")
    seen: datetime.date


@pytest.fixture
def attempt() -> Iterator[AttemptContext]:
    sent: list[dict[str, Any]] = []
    asked: list[dict[str, Any]] = []
    kept: dict[str, Any] = {}

    async def ask(question: dict[str, Any]) -> dict[str, Any]:
        asked.append(question)
        if question.get("op") == "parameters":
            return {"action": "parameters", "parameters": {"username": "reader"}}
        if question["op"] == "set":
            kept[question["key"]] = question["value"]
            return {"action": "ok"}
        return {"action": "value", "value": kept.get(question["key"])}

    context = AttemptContext(REQUEST, sent.append, ask)
    context.sent, context.asked = sent, asked  # type: ignore[attr-defined]
    token = current_attempt.set(context)
    yield context
    current_attempt.reset(token)


def test_every_name_of_intuned_runtimes_public_surface_is_there() -> None:
    names = {
        "set_attribute",
        "delete_attribute",
        "AttributeValue",
        "send_message_to_agent",
        "extend_payload",
        "extend_timeout",
        "get_auth_session_parameters",
        "attempt_store",
        "persistent_store",
        "get_ai_gateway_config",
        "IntunedContext",
        "NonRetryableError",
        "deferred_browser",
        "EnsureBrowserFunction",
        "run_info",
    }
    assert names <= set(intuned_runtime.__all__)
    assert all(hasattr(intuned_runtime, name) for name in names)


def test_outside_an_attempt_every_helper_says_so() -> None:
    with pytest.raises(NotInJobRunError):
        intuned_runtime.attempt_store.get("k")
    with pytest.raises(LookupError, match="No context found"):
        intuned_runtime.IntunedContext.current()


def test_extend_payload_takes_items_as_arguments_and_makes_models_and_dates_json(attempt) -> None:
    model = Item(unitPrice=3.5, seen=datetime.date(2026, 12, 6))
    intuned_runtime.extend_payload(
        {"api": "a", "parameters": {"item": model}}, {"api": "b", "parameters": {}}
    )
    intuned_runtime.extend_payload([{"api": "c", "parameters": {"at": datetime.date(2026, 1, 2)}}])
    batches = [event["items"] for event in attempt.sent]
    assert batches == [
        [
            {"api": "a", "parameters": {"item": {"unitPrice": 3.5, "seen": "2026-12-06"}}},
            {"api": "b", "parameters": {}},
        ],
        [{"api": "c", "parameters": {"at": "2026-01-02"}}],
    ]
    with pytest.raises(TypeError, match="Parameters are not JSON serializable"):
        intuned_runtime.extend_payload({"api": "a", "parameters": {"s": {1, 2}}})


def test_the_run_context_describes_the_running_attempt(attempt) -> None:
    info = intuned_runtime.run_info()
    assert (info.job_id, info.job_run_id, info.run_id) == ("books", "jr_x", "ru_x")
    assert (info.attempt_number, info.auth_session_id) == (2, "member")
    assert intuned_runtime.IntunedContext.current().run_context == info
    intuned_runtime.attempt_store.set("k", [1])
    assert intuned_runtime.attempt_store.get("k") == [1]
    assert intuned_runtime.attempt_store.get("missing", "default") == "default"
    assert intuned_runtime.IntunedContext.current().store == {"k": [1]}


@pytest.mark.parametrize(
    ("key", "value"),
    [("1st", 1), ("has space", 1), ("x" * 65, 1), ("ok", [1]), ("ok", {"a": 1})],
)
def test_set_attribute_refuses_keys_and_values_intuned_refuses(attempt, key, value) -> None:
    with pytest.raises(ValueError):
        intuned_runtime.set_attribute(key, value)


def test_attributes_are_set_replaced_and_deleted(attempt) -> None:
    intuned_runtime.set_attribute("pages", 3)
    intuned_runtime.set_attribute("pages", 4)
    intuned_runtime.set_attribute("site", "books")
    intuned_runtime.delete_attribute("site")
    intuned_runtime.delete_attribute("never-set")
    assert attempt.attributes == {"pages": 4}
    for n in range(63):
        intuned_runtime.set_attribute(f"k{n}", n)
    with pytest.raises(ValueError, match="at most 64 attributes"):
        intuned_runtime.set_attribute("one_more", 1)


def test_the_persistent_store_validates_keys_and_asks_the_controller(attempt) -> None:
    async def use() -> Any:
        await intuned_runtime.persistent_store.set("seen", {"n": 1})
        return await intuned_runtime.persistent_store.get("seen")

    assert asyncio.run(use()) == {"n": 1}
    for bad in ("", "a:b", "a#b"):
        with pytest.raises(ValueError):
            asyncio.run(intuned_runtime.persistent_store.get(bad))
    assert [q["topic"] for q in attempt.asked] == ["kv", "kv"]


def test_auth_session_parameters_come_from_the_runs_own_session(attempt) -> None:
    params = asyncio.run(intuned_runtime.get_auth_session_parameters())
    assert params == {"username": "reader"}
    assert attempt.asked[-1] == {"op": "parameters", "session": "member"}


def test_ai_gateway_config_is_the_controllers_or_a_clear_error(attempt, monkeypatch) -> None:
    monkeypatch.delenv("JOBCTL_AI_GATEWAY_URL", raising=False)
    with pytest.raises(RuntimeError, match="no AI gateway is configured"):
        intuned_runtime.get_ai_gateway_config()
    monkeypatch.setenv("JOBCTL_AI_GATEWAY_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("JOBCTL_AI_GATEWAY_API_KEY", "k")
    assert intuned_runtime.get_ai_gateway_config() == ("http://127.0.0.1:9/v1", "k")


def test_deferred_browser_marks_the_function(attempt) -> None:
    @intuned_runtime.deferred_browser
    async def automation(params, *, ensure_browser):
        return params

    assert is_deferred_browser(automation)
    assert not is_deferred_browser(lambda: None)
