"""The controller's side of AuthSessions: storage states, recreation locks, failure reasons.

Workers do the browser work (``auth-sessions/check.py`` and ``create.py``); the broker decides
who does what. The conversation, one JSON message each way per step:

- ``state``: the session's current storage state and its version (or ``abort`` when the session
  is not defined: reason ``auth-session-not-found``); a session that never had one starts
  from its saved first state when the project has one (not after a reset: new credentials).
- ``parameters``: the session's parameters, resolved now (``get_auth_session_parameters``).
- ``checked``: the state passed the check (its time is kept for people to see); answered ``ok``.
- ``invalid`` (with the version the worker found invalid): if a newer version exists, ``use`` it;
  if the attempt may not recreate it (``recreate: false``, Intuned's ``autoRecreate``) or nothing
  can (a recorder session: a person signs in to it), the session is marked expired and the
  attempt told to ``abort`` (for a recorder session the reason says a person must sign in
  again, which pauses the Job until someone has and resumed it); if nobody is recreating,
  ``recreate`` (the answer carries the credentials, resolved now, and the caller holds the
  session's lock); otherwise wait until the holder is done and ``use`` its state,
  or ``abort`` with ``auth-session-invalid-mid-job`` if its recreation failed, or with
  ``auth-session-locked`` if it took longer than ``lock_timeout_s``.
- ``created`` (with the new storage state): saved as the next version; the lock is released and
  the waiters get it.
- ``create-failed``: the session is marked expired, the lock released; the waiters abort with
  the holder's reason.

One recreation at a time per session, whichever Jobs share it. A holder whose attempt ends
without saying how it went (its worker died) releases the lock through ``attempt_ended``, and a
waiter then takes it over. Messages about failures are redacted of the credentials' values.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..spec import (
    AuthSessionDefinition,
    CredentialError,
    Redactor,
    resolve_credentials,
    secret_values,
)
from ..vocabulary import ReasonType, reason


class StateStore(Protocol):
    def get(self, session_id: str) -> tuple[int, dict[str, Any] | None]: ...

    def put(self, session_id: str, version: int, state: dict[str, Any], now: int) -> None: ...

    def expire(self, session_id: str) -> None: ...

    def checked(self, session_id: str, now: int) -> None: ...


@dataclass
class _Lock:
    holder: str | None = None
    failures: int = 0
    """How many recreations have failed; a waiter that sees it grow aborts."""
    failure: str = ""
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


def _abort(kind: ReasonType, message: str) -> dict[str, Any]:
    return {"action": "abort", "reason": reason(kind, message)}


def _needs_sign_in(session_id: str) -> str:
    return (
        f"AuthSession {session_id!r} is signed in to by a person (recorder) and its browser "
        "state is missing or no longer passes check.py: a person must sign in again (Sign in "
        f"on the dashboard's AuthSessions page, or `jobctl authsessions record {session_id}`)"
    )


class AuthSessions:
    def __init__(
        self,
        states: StateStore,
        definitions: Callable[[str], AuthSessionDefinition | None],
        *,
        say: Callable[[str], None],
        lock_timeout_s: float = 300.0,
        environ: Mapping[str, str] = os.environ,
        clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        first_state: Callable[[str], dict[str, Any] | None] = lambda _session_id: None,
    ) -> None:
        """``first_state``: a saved browser state a session starts from when it has none yet
        (Intuned's ``auth-sessions-instances/<id>/auth-session.json``)."""
        self.states = states
        self.first_state = first_state
        self.definitions = definitions
        self.say = say
        self.lock_timeout_s = lock_timeout_s
        self.environ = environ
        self.clock = clock
        self._locks: dict[str, _Lock] = {}
        self._held_by: dict[str, str] = {}
        """attempt ID -> session it is recreating."""

    async def handle(self, attempt_id: str, message: dict[str, Any]) -> dict[str, Any]:
        session_id = str(message.get("session", ""))
        if self.definitions(session_id) is None:
            return _abort(
                "auth-session-not-found",
                f"AuthSession {session_id!r} is not defined; add "
                f"auth-sessions/{session_id}.auth-session.jsonc to the resources, then resume "
                "the Job",
            )
        op = message.get("op")
        if op == "state":
            return self._use(session_id)
        if op == "parameters":
            return self._parameters(session_id)
        if op in ("checked", "invalid"):
            self.states.checked(session_id, self.clock())
        if op == "checked":
            return {"action": "ok"}
        if op == "invalid" and self._recorded(session_id):
            return self._invalid_final(
                session_id, int(message.get("version", 0)), _needs_sign_in(session_id)
            )
        if op == "invalid" and message.get("recreate") is False:
            return self._invalid_final(
                session_id,
                int(message.get("version", 0)),
                f"AuthSession {session_id!r} failed its check and may not be recreated here "
                "(autoRecreate is off); recreate it, then try again",
            )
        if op == "invalid":
            return await self._invalid(session_id, int(message.get("version", 0)), attempt_id)
        if op == "created" and isinstance(message.get("storage_state"), dict):
            return await self._created(session_id, attempt_id, message["storage_state"])
        if op == "create-failed":
            return await self._create_failed(session_id, attempt_id, str(message.get("message")))
        return {"action": "error", "message": f"unknown AuthSession operation {op!r}"}

    def attempt_ended(self, attempt_id: str) -> None:
        session_id = self._held_by.pop(attempt_id, None)
        if session_id is not None:
            lock = self._locks[session_id]
            lock.holder = None
            asyncio.get_running_loop().create_task(self._notify(lock))

    # ---------------------------------------------------------------- steps
    def _use(self, session_id: str) -> dict[str, Any]:
        version, state = self.states.get(session_id)
        if version == 0 and (first := self.first_state(session_id)) is not None:
            version, state = 1, first
            self.states.put(session_id, version, state, self.clock())
        return {"action": "use", "version": version, "storage_state": state}

    def _parameters(self, session_id: str) -> dict[str, Any]:
        definition = self.definitions(session_id)
        assert definition is not None
        try:
            return {
                "action": "parameters",
                "parameters": resolve_credentials(definition, self.environ),
            }
        except CredentialError as exc:
            return {"action": "error", "message": str(exc)}

    def _recorded(self, session_id: str) -> bool:
        definition = self.definitions(session_id)
        return definition is not None and definition.type == "recorder"

    def _invalid_final(self, session_id: str, version: int, why: str) -> dict[str, Any]:
        current, _state = self.states.get(session_id)
        if current > version:
            return self._use(session_id)
        self.states.expire(session_id)
        return _abort("auth-session-invalid-mid-job", why)

    async def _invalid(self, session_id: str, version: int, attempt_id: str) -> dict[str, Any]:
        lock = self._locks.setdefault(session_id, _Lock())
        failures_seen = lock.failures
        deadline = asyncio.get_running_loop().time() + self.lock_timeout_s
        async with lock.changed:
            while True:
                current, _state = self.states.get(session_id)
                if current > version:
                    return self._use(session_id)
                if lock.failures > failures_seen:
                    return self._invalid_mid_job(session_id, lock.failure)
                if lock.holder is None or lock.holder == attempt_id:
                    return self._grant(session_id, lock, attempt_id)
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return _abort(
                        "auth-session-locked",
                        f"AuthSession {session_id!r} has been recreated by another attempt for "
                        f"more than {self.lock_timeout_s:g}s; resume the Job to try again",
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lock.changed.wait(), remaining)

    def _grant(self, session_id: str, lock: _Lock, attempt_id: str) -> dict[str, Any]:
        definition = self.definitions(session_id)
        assert definition is not None
        try:
            credentials = resolve_credentials(definition, self.environ)
        except CredentialError as exc:
            return self._invalid_mid_job(session_id, str(exc))
        lock.holder = attempt_id
        self._held_by[attempt_id] = session_id
        return {"action": "recreate", "credentials": credentials}

    async def _created(
        self, session_id: str, attempt_id: str, state: dict[str, Any]
    ) -> dict[str, Any]:
        version, _ = self.states.get(session_id)
        self.states.put(session_id, version + 1, state, self.clock())
        self.say(f"AuthSession {session_id}: recreated (version {version + 1})")
        await self._release(session_id, attempt_id)
        return {"action": "use", "version": version + 1, "storage_state": None}

    async def _create_failed(self, session_id: str, attempt_id: str, why: str) -> dict[str, Any]:
        lock = self._locks.setdefault(session_id, _Lock())
        lock.failures += 1
        lock.failure = self._redact(session_id, why)
        self.states.expire(session_id)
        self.say(f"AuthSession {session_id}: could not be recreated: {lock.failure}")
        await self._release(session_id, attempt_id)
        return self._invalid_mid_job(session_id, lock.failure)

    async def _release(self, session_id: str, attempt_id: str) -> None:
        lock = self._locks.setdefault(session_id, _Lock())
        if self._held_by.get(attempt_id) == session_id:
            del self._held_by[attempt_id]
        if lock.holder == attempt_id:
            lock.holder = None
        await self._notify(lock)

    @staticmethod
    async def _notify(lock: _Lock) -> None:
        async with lock.changed:
            lock.changed.notify_all()

    def _invalid_mid_job(self, session_id: str, why: str) -> dict[str, Any]:
        return _abort(
            "auth-session-invalid-mid-job",
            f"AuthSession {session_id!r} is invalid and could not be recreated: {why}; fix it, "
            "then resume the Job",
        )

    def _redact(self, session_id: str, text: str) -> str:
        definition = self.definitions(session_id)
        if definition is None:
            return text
        values: Iterable[str]
        try:
            values = resolve_credentials(definition, self.environ).values()
        except CredentialError:
            values = secret_values(definition)  # the inline ones, at least
        return Redactor(values).redact(text)
