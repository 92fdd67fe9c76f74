"""The AuthSession broker: one recreation at a time, waiters served, failures and timeouts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controller.auth import AuthSessions
from controller.spec import AuthSessionDefinition

PASSWORD = "hunter2-very-secret"


class MemoryStates:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, dict[str, Any] | None]] = {}
        self.expired: set[str] = set()
        self.checks: list[tuple[str, int]] = []

    def get(self, session_id: str) -> tuple[int, dict[str, Any] | None]:
        version, state = self.rows.get(session_id, (0, None))
        return version, state

    def put(self, session_id: str, version: int, state: dict[str, Any], now: int) -> None:
        self.rows[session_id] = (version, state)
        self.expired.discard(session_id)

    def expire(self, session_id: str) -> None:
        self.expired.add(session_id)

    def checked(self, session_id: str, now: int) -> None:
        self.checks.append((session_id, now))


def broker(credentials: dict[str, Any] | None = None, **options: Any) -> AuthSessions:
    definition = AuthSessionDefinition.model_validate(
        {"credentials": credentials or {"username": "reader", "password": PASSWORD}}
    )
    said: list[str] = []
    sessions = AuthSessions(MemoryStates(), {"s": definition}.get, say=said.append, **options)
    sessions.said = said  # type: ignore[attr-defined]
    return sessions


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_an_unknown_session_aborts_with_auth_session_not_found() -> None:
    answer = run(broker().handle("a1", {"op": "state", "session": "nope"}))
    assert answer["action"] == "abort"
    assert answer["reason"]["type"] == "auth-session-not-found"
    assert "nope.auth-session.jsonc" in answer["reason"]["message"]


def test_a_new_session_has_no_state_and_the_first_invalid_report_recreates_it() -> None:
    async def scenario() -> None:
        sessions = broker()
        assert await sessions.handle("a1", {"op": "state", "session": "s"}) == {
            "action": "use",
            "version": 0,
            "storage_state": None,
        }
        answer = await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        assert answer == {
            "action": "recreate",
            "credentials": {"username": "reader", "password": PASSWORD},
        }
        done = await sessions.handle(
            "a1", {"op": "created", "session": "s", "storage_state": {"cookies": [1]}}
        )
        assert done["version"] == 1
        assert await sessions.handle("a2", {"op": "state", "session": "s"}) == {
            "action": "use",
            "version": 1,
            "storage_state": {"cookies": [1]},
        }

    run(scenario())


def test_only_one_attempt_recreates_and_the_others_wait_for_its_state() -> None:
    async def scenario() -> None:
        sessions = broker()
        holder = await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        assert holder["action"] == "recreate"
        waiters = [
            asyncio.create_task(
                sessions.handle(f"w{n}", {"op": "invalid", "session": "s", "version": 0})
            )
            for n in range(3)
        ]
        await asyncio.sleep(0.05)
        assert not any(w.done() for w in waiters)  # they wait: no second recreation
        await sessions.handle("a1", {"op": "created", "session": "s", "storage_state": {"v": 1}})
        answers = await asyncio.gather(*waiters)
        assert all(a == {"action": "use", "version": 1, "storage_state": {"v": 1}} for a in answers)

    run(scenario())


def test_a_failed_recreation_aborts_the_waiters_with_a_redacted_reason() -> None:
    async def scenario() -> None:
        sessions = broker()
        await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        waiter = asyncio.create_task(
            sessions.handle("w1", {"op": "invalid", "session": "s", "version": 0})
        )
        await asyncio.sleep(0.02)
        failed = await sessions.handle(
            "a1",
            {"op": "create-failed", "session": "s", "message": f"login with {PASSWORD} refused"},
        )
        for answer in (failed, await waiter):
            assert answer["reason"]["type"] == "auth-session-invalid-mid-job"
            assert PASSWORD not in answer["reason"]["message"]
            assert "login with *** refused" in answer["reason"]["message"]
        assert all(PASSWORD not in line for line in sessions.said)  # type: ignore[attr-defined]
        # After the failure (a person fixed the credentials and resumed), recreating is allowed.
        again = await sessions.handle("a3", {"op": "invalid", "session": "s", "version": 0})
        assert again["action"] == "recreate"

    run(scenario())


def test_a_holder_that_takes_too_long_makes_waiters_abort_as_locked() -> None:
    async def scenario() -> None:
        sessions = broker(lock_timeout_s=0.1)
        await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        answer = await sessions.handle("w1", {"op": "invalid", "session": "s", "version": 0})
        assert answer["reason"]["type"] == "auth-session-locked"

    run(scenario())


def test_a_holder_whose_attempt_dies_hands_the_lock_to_a_waiter() -> None:
    async def scenario() -> None:
        sessions = broker()
        await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        waiter = asyncio.create_task(
            sessions.handle("w1", {"op": "invalid", "session": "s", "version": 0})
        )
        await asyncio.sleep(0.02)
        sessions.attempt_ended("a1")
        answer = await asyncio.wait_for(waiter, 1)
        assert answer["action"] == "recreate"

    run(scenario())


@pytest.mark.parametrize("environ", [{}, {"OTHER": "x"}])
def test_a_credential_from_an_unset_environment_variable_is_a_clear_failure(environ: dict) -> None:
    sessions = broker({"username": "u", "password": {"env": "MEMBER_PASSWORD"}}, environ=environ)
    answer = run(sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0}))
    assert answer["reason"]["type"] == "auth-session-invalid-mid-job"
    assert "MEMBER_PASSWORD" in answer["reason"]["message"]


def test_a_credential_from_the_environment_is_resolved_when_recreating() -> None:
    sessions = broker(
        {"username": "u", "password": {"env": "MEMBER_PASSWORD"}},
        environ={"MEMBER_PASSWORD": "from-env"},
    )
    answer = run(sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0}))
    assert answer["credentials"] == {"username": "u", "password": "from-env"}


def test_an_attempt_that_may_not_recreate_aborts_and_the_session_is_expired() -> None:
    async def scenario() -> None:
        sessions = broker()
        sessions.states.put("s", 1, {"cookies": [1]}, 0)
        invalid = {"op": "invalid", "session": "s", "version": 1, "recreate": False}
        answer = await sessions.handle("a1", invalid)
        assert answer["action"] == "abort"
        assert answer["reason"]["type"] == "auth-session-invalid-mid-job"
        assert "autoRecreate is off" in answer["reason"]["message"]
        assert sessions.states.expired == {"s"}  # type: ignore[attr-defined]
        sessions.states.put("s", 2, {"cookies": [2]}, 0)  # someone recreated it meanwhile
        newer = await sessions.handle("a2", invalid)
        assert newer == {"action": "use", "version": 2, "storage_state": {"cookies": [2]}}

    run(scenario())


def test_a_failed_recreation_expires_the_session() -> None:
    async def scenario() -> None:
        sessions = broker()
        await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        await sessions.handle("a1", {"op": "create-failed", "session": "s", "message": "no"})
        assert sessions.states.expired == {"s"}  # type: ignore[attr-defined]

    run(scenario())


def test_every_check_is_timed_whatever_it_found() -> None:
    times = iter([1_000, 2_000])
    sessions = broker(clock=lambda: next(times))
    states = sessions.states
    assert isinstance(states, MemoryStates)
    assert run(sessions.handle("a1", {"op": "checked", "session": "s", "version": 0})) == {
        "action": "ok"
    }
    run(sessions.handle("a2", {"op": "invalid", "session": "s", "version": 0, "recreate": False}))
    assert states.checks == [("s", 1_000), ("s", 2_000)]


def test_an_attempt_of_the_session_gets_its_parameters_resolved_now(monkeypatch) -> None:
    sessions = broker({"username": "reader", "password": {"env": "THE_PASSWORD"}})
    sessions.environ = {"THE_PASSWORD": PASSWORD}
    answer = run(sessions.handle("ru_a.1", {"op": "parameters", "session": "s"}))
    assert answer == {
        "action": "parameters",
        "parameters": {"username": "reader", "password": PASSWORD},
    }
    sessions.environ = {}
    answer = run(sessions.handle("ru_a.1", {"op": "parameters", "session": "s"}))
    assert answer["action"] == "error" and "THE_PASSWORD" in answer["message"]
    assert PASSWORD not in answer["message"]


def test_a_session_that_never_had_a_state_starts_from_its_saved_instance() -> None:
    saved = {"cookies": [{"name": "sid", "value": "1"}], "origins": []}
    definition = AuthSessionDefinition.model_validate({"parameters": {"username": "reader"}})
    states = MemoryStates()
    sessions = AuthSessions(
        states, {"s": definition}.get, say=lambda _: None, first_state=lambda _id: saved
    )
    answer = run(sessions.handle("ru_a.1", {"op": "state", "session": "s"}))
    assert (answer["version"], answer["storage_state"]) == (1, saved)
    states.rows["s"] = (2, None)  # reset (new credentials): recreated, not the saved instance
    answer = run(sessions.handle("ru_a.1", {"op": "state", "session": "s"}))
    assert (answer["version"], answer["storage_state"]) == (2, None)


def recorder_broker() -> AuthSessions:
    definition = AuthSessionDefinition.model_validate(
        {"type": "recorder", "startUrl": "https://example.test/sign-in"}
    )
    return AuthSessions(MemoryStates(), {"s": definition}.get, say=lambda _line: None)


def test_a_recorder_session_is_never_recreated_and_asks_for_a_person() -> None:
    async def scenario() -> None:
        sessions = recorder_broker()
        sessions.states.put("s", 3, {"cookies": []}, 0)
        answer = await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 3})
        assert answer["action"] == "abort"
        assert answer["reason"]["type"] == "auth-session-invalid-mid-job"
        assert "a person must sign in again" in answer["reason"]["message"]
        assert "jobctl authsessions record s" in answer["reason"]["message"]
        assert sessions.states.expired == {"s"}  # type: ignore[attr-defined]

    run(scenario())


def test_a_recorder_session_never_signed_in_to_asks_for_a_person_too() -> None:
    async def scenario() -> None:
        sessions = recorder_broker()
        state = await sessions.handle("a1", {"op": "state", "session": "s"})
        assert state == {"action": "use", "version": 0, "storage_state": None}
        answer = await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 0})
        assert "a person must sign in again" in answer["reason"]["message"]

    run(scenario())


def test_a_recorder_session_recorded_meanwhile_is_used_rather_than_expired() -> None:
    async def scenario() -> None:
        sessions = recorder_broker()
        sessions.states.put("s", 2, {"cookies": ["new"]}, 0)
        answer = await sessions.handle("a1", {"op": "invalid", "session": "s", "version": 1})
        assert answer == {"action": "use", "version": 2, "storage_state": {"cookies": ["new"]}}

    run(scenario())
