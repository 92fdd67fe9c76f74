"""What a worker asks for an attempt goes to who answers it: the persistent store or the
AuthSession broker."""

from __future__ import annotations

import asyncio
from typing import Any

from controller.runtime.attempt_questions import AttemptQuestions


class Broker:
    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.ended: list[str] = []

    async def handle(self, attempt_id: str, message: dict[str, Any]) -> dict[str, Any]:
        self.asked.append((attempt_id, message))
        return {"action": "ok"}

    def attempt_ended(self, attempt_id: str) -> None:
        self.ended.append(attempt_id)


class Values(dict[str, Any]):
    def set(self, key: str, value: Any, now: int) -> None:
        self[key] = value


def test_persistent_store_questions_are_answered_from_the_store() -> None:
    broker, values = Broker(), Values()
    questions = AttemptQuestions(broker, values, clock=lambda: 1, session_of=lambda _attempt: None)
    set_ = {"topic": "kv", "op": "set", "key": "seen", "value": [1]}
    assert asyncio.run(questions.handle("a.1", set_)) == {"action": "ok"}
    get = {"topic": "kv", "op": "get", "key": "seen"}
    assert asyncio.run(questions.handle("a.1", get)) == {"action": "value", "value": [1]}
    for bad in ("", "a:b", 7):
        answer = asyncio.run(questions.handle("a.1", {"topic": "kv", "op": "get", "key": bad}))
        assert answer["action"] == "error"
    assert broker.asked == []


def test_an_attempt_asks_the_auth_broker_about_its_own_session_only() -> None:
    broker = Broker()
    sessions = {"a.1": "s", "b.1": None}
    questions = AttemptQuestions(broker, Values(), clock=lambda: 1, session_of=sessions.get)
    asyncio.run(questions.handle("a.1", {"op": "state", "session": "s"}))
    for attempt, session in [("a.1", "victim"), ("b.1", "s"), ("b.1", None), ("gone.1", "s")]:
        answer = asyncio.run(questions.handle(attempt, {"op": "state", "session": session}))
        assert answer == {"action": "error", "message": "not this attempt's AuthSession"}
    questions.attempt_ended("a.1")
    assert broker.asked == [("a.1", {"op": "state", "session": "s"})] and broker.ended == ["a.1"]
