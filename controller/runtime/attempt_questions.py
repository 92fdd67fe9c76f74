"""What a worker may ask the controller on behalf of an attempt, routed to who answers: the
project's persistent store (``topic: kv``), else the AuthSession broker, about the attempt's own
AuthSession only. Launchers hold one of these as their ``AuthBroker``; they check that the
attempt is the asking worker's own before anything gets here; here, that the session asked about
is the one of the attempt's JobRun (an attempt without one may ask about none), whatever the
message names: user code that reaches the worker's credentials still reaches no other
session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..engine import AuthBroker

MAX_KEY_LENGTH = 1_024


class PersistentValues(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, now: int) -> None: ...


class AttemptQuestions:
    def __init__(
        self,
        auth: AuthBroker,
        persistent: PersistentValues,
        clock: Callable[[], int],
        session_of: Callable[[str], str | None],
    ) -> None:
        self.auth = auth
        self.session_of = session_of
        self.persistent = persistent
        self.clock = clock

    async def handle(self, attempt_id: str, message: dict[str, Any]) -> dict[str, Any]:
        if message.get("topic") != "kv":
            own = self.session_of(attempt_id)
            if own is None or message.get("session") != own:
                return {"action": "error", "message": "not this attempt's AuthSession"}
            return await self.auth.handle(attempt_id, message)
        key = message.get("key")
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH or set(key) & {":", "#"}:
            return {"action": "error", "message": f"invalid persistent store key {key!r}"}
        if message.get("op") == "get":
            return {"action": "value", "value": self.persistent.get(key)}
        if message.get("op") == "set":
            self.persistent.set(key, message.get("value"), self.clock())
            return {"action": "ok"}
        return {"action": "error", "message": f"unknown persistent store operation {message!r}"}

    def attempt_ended(self, attempt_id: str) -> None:
        self.auth.attempt_ended(attempt_id)
