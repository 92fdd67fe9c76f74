"""Every call of Intuned's Python SDK's ``auth_sessions`` (with ``create``, ``update`` and
``validate``) and ``runs`` services against a jobctl REST API, as a user migrating from Intuned
writes them. Runs in the SDK's own virtualenv, like ``intuned_sdk_calls.py``.

Usage: python intuned_sdk_sessions_calls.py BASE_URL API_KEY WORKSPACE_ID PROJECT_NAME MODE
       SESSION RUN_JSON [CREDENTIALS_JSON]

SESSION is an AuthSession defined by a file (MODE ``api``: ``jobctl run``) or a resource
(``resources``: the operator); RUN_JSON a ``runs.start`` body. In ``api`` mode the project is
the bookstore example against its demo site and CREDENTIALS_JSON the member's credentials: the
script creates, validates, breaks, mends and deletes an AuthSession of its own, runs an API with
it, and checks that the file's session cannot be changed through the API (409). In ``resources``
mode every change of an AuthSession is refused (409); reads and direct Runs work.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from intuned_client import IntunedClient
from sdk_recorder import Recorder

UNFINISHED = {"pending", "in_progress", "started"}


def main() -> None:
    base_url, api_key, workspace_id, project, mode, session, run_json = sys.argv[1:8]
    recorder = Recorder()
    call, refused, seen = recorder.call, recorder.refused, recorder.seen

    def until_done(name: str, poll: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + 180
        while True:
            result = call(name, poll)
            if result is None or result.status not in UNFINISHED:
                return result
            if time.monotonic() > deadline:
                recorder.calls[name] = f"still {result.status} after 180s"
                return None
            time.sleep(0.1)

    def outcome(result: Any) -> list[Any] | None:
        if result is None:
            return None
        error = getattr(result, "error", None)
        return [result.status, error and error.code]

    with IntunedClient(
        api_key=api_key, workspace_id=workspace_id, base_url=f"{base_url}/api/v1/workspace"
    ) as client:
        sessions, runs = client.projects.auth_sessions, client.projects.runs

        def status_of(name: str, session_id: str) -> str | None:
            got = call(name, lambda: sessions.get(project_name=project, auth_session_id=session_id))
            return got and got.status

        def validate(name: str, session_id: str, body: dict[str, Any]) -> list[Any] | None:
            started = call(
                name,
                lambda: sessions.validate.start(
                    project_name=project, auth_session_id=session_id, body=body
                ),
            )
            if started is None:
                return None
            return outcome(
                until_done(
                    f"{name}.result",
                    lambda: sessions.validate.result(
                        project_name=project,
                        auth_session_id=session_id,
                        operation_id=started.operation_id,
                    ),
                )
            )

        def update(name: str, session_id: str, credentials: dict[str, Any]) -> list[Any] | None:
            started = call(
                name,
                lambda: sessions.update.start(
                    project_name=project,
                    auth_session_id=session_id,
                    body={"parameters": credentials, "createAttempts": 1},
                ),
            )
            if started is None:
                return None
            return outcome(
                until_done(
                    f"{name}.result",
                    lambda: sessions.update.result(
                        project_name=project,
                        auth_session_id=session_id,
                        operation_id=started.operation_id,
                    ),
                )
            )

        def run(name: str, body: dict[str, Any]) -> Any:
            started = call(name, lambda: runs.start(project_name=project, body=body))
            if started is None:
                return None
            return until_done(
                f"{name}.result",
                lambda: runs.result(project_name=project, run_id=started.run_id),
            )

        listed = call("auth_sessions.list", lambda: sessions.list(project_name=project))
        seen["listed"] = listed and sorted([s.id, s.type] for s in listed)
        seen["file_status"] = status_of("auth_sessions.get", session)
        refused(
            "auth_sessions.get#unknown",
            lambda: sessions.get(project_name=project, auth_session_id="no-such-session"),
            404,
        )
        refused(
            "auth_sessions.delete#file",
            lambda: sessions.delete(project_name=project, auth_session_id=session),
        )
        refused(
            "auth_sessions.update#file",
            lambda: sessions.update.start(
                project_name=project, auth_session_id=session, body={"parameters": {"a": "b"}}
            ),
        )
        if mode == "api":
            credentials = json.loads(sys.argv[8])
            seen["validated"] = [
                validate("auth_sessions.validate#no-recreate", session, {"autoRecreate": False}),
                validate("auth_sessions.validate", session, {}),
            ]
            seen["file_status_after"] = status_of("auth_sessions.get#after", session)
            create = {"id": "sdk-session", "parameters": credentials, "checkAttempts": 2}
            started = call(
                "auth_sessions.create",
                lambda: sessions.create.start(project_name=project, body=create),
            )
            created = started and until_done(
                "auth_sessions.create.result",
                lambda: sessions.create.result(
                    project_name=project, operation_id=started.operation_id
                ),
            )
            seen["created"] = created and [
                created.status,
                getattr(created, "auth_session_id", None),
            ]
            refused(
                "auth_sessions.create#again",
                lambda: sessions.create.start(project_name=project, body=create),
            )
            wrong = {**credentials, "password": "not-the-password"}
            seen["updated"] = [
                update("auth_sessions.update#wrong", "sdk-session", wrong),
                status_of("auth_sessions.get#wrong", "sdk-session"),
                update("auth_sessions.update", "sdk-session", credentials),
                status_of("auth_sessions.get#mended", "sdk-session"),
            ]
            with_session = {**json.loads(run_json), "authSession": {"id": "sdk-session"}}
            done = run("runs.start#auth", with_session)
            seen["run_with_session"] = done and [done.status, done.result]
            missing = run("runs.start#missing-api", {"api": "no-such-api", "parameters": {}})
            seen["run_missing_api"] = outcome(missing)
            call(
                "auth_sessions.delete",
                lambda: sessions.delete(project_name=project, auth_session_id="sdk-session"),
            )
            after = call("auth_sessions.list#after", lambda: sessions.list(project_name=project))
            seen["after_delete"] = after and sorted(s.id for s in after)
        else:
            refused(
                "auth_sessions.create",
                lambda: sessions.create.start(
                    project_name=project, body={"id": "x", "parameters": {"a": "b"}}
                ),
            )
            done = run("runs.start", json.loads(run_json))
            seen["run"] = done and [done.status, done.result, done.run_id]
            seen["run_error"] = done and done.error and done.error.message
        refused(
            "runs.result#unknown",
            lambda: runs.result(project_name=project, run_id="jr_0000"),
            404,
        )
    recorder.report()


if __name__ == "__main__":
    main()
