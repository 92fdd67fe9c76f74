"""Authenticating an attempt's browser context with the JobRun's AuthSession.

Before the API runs, the session's storage state (fetched from the controller, never passed on
a command line) is applied to a fresh context and ``auth-sessions/check.py`` decides whether it
is still valid, up to ``checkAttempts`` times. When it is not, the controller decides who
recreates it (one attempt per session at a time; the others wait and then use the new state):
the chosen attempt runs ``auth-sessions/create.py`` with the credentials, up to
``createAttempts`` times, each in a new context, verifies the result with ``check``, and hands
the new storage state back.

Neither check nor create is traced (a trace would record the password typed into a form), and
credentials are held only in local variables for the duration of the recreation.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

from ..vocabulary import reason
from .apis import ApiLoader, ApiNotFoundError, ProjectIncompleteError
from .logs import LogFile
from .runtime import Ask

MAX_ROUNDS = 3
"""How often one attempt goes round "invalid, here is a newer state" before giving up."""


class AuthFailedError(Exception):
    def __init__(self, reason: dict[str, str]) -> None:
        super().__init__(reason["message"])
        self.reason = reason


def _invalid(session: str, message: str) -> AuthFailedError:
    return AuthFailedError(
        reason(
            "auth-session-invalid-mid-job",
            f"AuthSession {session!r} is invalid and could not be recreated: {message}",
        )
    )


@dataclass
class Authenticator:
    """Makes one attempt's authenticated context (``context``), talking to the controller."""

    browser: Any
    options: dict[str, Any]
    """Context options every context gets (the proxy)."""
    apis: ApiLoader
    ask: Ask
    log: LogFile

    async def context(self, request: dict[str, Any]) -> Any:
        """A new context holding a valid session, or ``AuthFailedError`` with the reason."""
        session = request["auth_session"]
        try:
            check = self.apis.load_auth_hook("check")
        except ProjectIncompleteError:
            raise  # no check.py: the project's, not the session's, problem
        except ApiNotFoundError as exc:
            raise _invalid(session, str(exc)) from None
        answer = await self.ask({"op": "state", "session": session})
        for _round in range(MAX_ROUNDS):
            if answer["action"] == "abort":
                raise AuthFailedError(answer["reason"])
            version, state = answer["version"], answer.get("storage_state")
            if state is not None:
                context = await self._new_context(state)
                if await self._valid(context, check, request["auth_check_attempts"]):
                    await self.ask({"op": "checked", "session": session, "version": version})
                    return context
                await context.close()
            invalid = {"op": "invalid", "session": session, "version": version}
            answer = await self.ask({**invalid, "recreate": request.get("auth_recreate", True)})
            if answer["action"] == "recreate":
                attempts = request["auth_create_attempts"]
                state, failure = await self._recreate(check, answer["credentials"], attempts)
                if state is None:
                    failed = {"op": "create-failed", "session": session, "message": failure}
                    raise AuthFailedError((await self.ask(failed))["reason"])
                await self.ask({"op": "created", "session": session, "storage_state": state})
                return await self._new_context(state)
        raise _invalid(session, f"it was still invalid after {MAX_ROUNDS} newer versions")

    async def still_valid(self, context: Any) -> bool:
        """Whether the session in ``context`` still passes ``check.py`` (asked after the API
        failed: a session that expired under the attempt is why it failed)."""
        try:
            check = self.apis.load_auth_hook("check")
        except ApiNotFoundError:
            return True  # nothing to ask; the failure stands as it is
        return await self._valid(context, check, 1)

    async def _new_context(self, state: dict[str, Any] | None) -> Any:
        if state is None:
            return await self.browser.new_context(**self.options)
        return await self.browser.new_context(**self.options, storage_state=state)

    async def _valid(self, context: Any, check: Any, attempts: int) -> bool:
        for _ in range(max(1, attempts)):
            page = await context.new_page()
            try:
                if await check(page) is True:
                    return True
            except Exception:
                traceback.print_exc(file=self.log)
            finally:
                await page.close()
        return False

    async def _recreate(
        self, check: Any, credentials: dict[str, str], attempts: int
    ) -> tuple[dict[str, Any] | None, str]:
        """(new storage state, "") or (None, why the last try failed)."""
        try:
            create = self.apis.load_auth_hook("create")
        except ProjectIncompleteError:
            raise
        except ApiNotFoundError as exc:
            return None, str(exc)
        failure = "create.py never ran"
        for _ in range(max(1, attempts)):
            context = await self._new_context(None)
            try:
                await create(await context.new_page(), credentials)
                state: dict[str, Any] = await context.storage_state()
            except Exception as exc:
                traceback.print_exc(file=self.log)
                failure = f"auth-sessions/create.py raised {type(exc).__name__}: {exc}"
                continue
            finally:
                await context.close()
            verify = await self._new_context(state)
            try:
                if await self._valid(verify, check, 1):
                    return state, ""
                failure = "auth-sessions/check.py rejected the session create.py made"
            finally:
                await verify.close()
        return None, failure
