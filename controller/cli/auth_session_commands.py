"""``jobctl authsessions list|record``: AuthSessions on a controller, and a person's sign-in to a
recorder AuthSession in a browser window on this machine.

``record`` opens Chromium (headed: it needs a display) at the session's ``startUrl`` on an empty
profile; the person signs in; reaching ``finishUrl`` (or pressing Enter here) ends it. The
browser state goes to the controller (``POST .../signed-in``), never to the terminal or a file,
and the controller validates it with ``check.py``; the command waits for that verdict.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table

from ..worker.browser import LAUNCH_ARGS, chromium_path
from .api_client import ApiClient, ClientError
from .verbs import out, verb

VERDICT_TIMEOUT_S = 300.0
"""How long ``record`` waits for the controller's check of the saved sign-in."""
POLL_S = 0.25
UNDECIDED = ("pending", "in_progress")


def register(commands: Any) -> None:
    sessions = commands.add_parser(
        "authsessions", help="list AuthSessions; sign in to a recorder AuthSession"
    )
    verbs = sessions.add_subparsers(dest="verb", required=True, metavar="VERB")
    verb(verbs, "list", "list AuthSessions with their kind and status", sessions_list)
    verb(
        verbs,
        "record",
        "sign in to a recorder AuthSession in a browser window here (needs a display); the "
        "browser state is saved on the controller and checked with check.py",
        sessions_record,
        "AUTH_SESSION_ID",
    )


def sessions_list(client: ApiClient, args: argparse.Namespace) -> int:
    data = client.project("GET", "/dashboard/auth-sessions")

    def render(console: Console) -> None:
        table = Table("ID", "KIND", "STATUS", "VERSION", "LAST SAVED", "LAST CHECKED", box=None)
        for s in data:
            kind = "recorder" if s["type"] == "RECORDER" else "credentials"
            saved, checked = s["updated_at"] or "-", s["checked_at"] or "-"
            table.add_row(s["id"], kind, s["status"], str(s["version"]), saved, checked)
        console.print(table)

    return out(args, data, render)


def sessions_record(client: ApiClient, args: argparse.Namespace) -> int:
    session = _recorder_session(client, args.auth_session_id)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ClientError(
            "there is no display here ($DISPLAY is not set) for the browser window a person "
            "signs in with; sign in from the dashboard's AuthSessions page instead (Sign in), "
            "or run this where there is a display",
            code=2,
        )
    state = _signed_in(session["startUrl"], session.get("finishUrl"))
    if state is None:
        print("jobctl authsessions record: the browser was closed; nothing saved", file=sys.stderr)
        return 1
    path = f"/auth-sessions/{args.auth_session_id}"
    saved = client.project("POST", f"{path}/signed-in", {"storageState": state})
    print(f"saved as version {saved['version']}; checking it with check.py", file=sys.stderr)
    verdict = _verdict(client, f"{path}/validate/{saved['validationId']}/result")
    if verdict["status"] == "done":
        print(f"AuthSession {args.auth_session_id} is ready (version {saved['version']})")
        return 0
    error = verdict.get("error") or {}
    why = error.get("message") or verdict.get("message") or verdict["status"]
    print(f"jobctl authsessions record: check.py did not pass: {why}", file=sys.stderr)
    return 1


def _recorder_session(client: ApiClient, session_id: str) -> dict[str, Any]:
    sessions = client.project("GET", "/dashboard/auth-sessions")
    session: dict[str, Any] | None = next((s for s in sessions if s["id"] == session_id), None)
    if session is None:
        known = ", ".join(s["id"] for s in sessions) or "none"
        raise ClientError(f"no AuthSession {session_id!r} on the controller (known: {known})")
    if session["type"] != "RECORDER":
        raise ClientError(
            f"AuthSession {session_id!r} is signed in to by create.py with its credentials; "
            'only a recorder AuthSession ("type": "recorder") is signed in to by a person'
        )
    return session


def _signed_in(start_url: str, finish_url: str | None) -> dict[str, Any] | None:
    """The browser state once the person is signed in; None if they closed the browser."""
    enter = threading.Event()
    threading.Thread(target=_wait_for_enter, args=(enter,), daemon=True).start()
    until = f"the browser reaches {finish_url}, or press Enter" if finish_url else "press Enter"
    print(
        f"Sign in in the browser window ({start_url}). When you are signed in, {until} here "
        "(Ctrl-C cancels).",
        file=sys.stderr,
        flush=True,
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(playwright), headless=False, args=LAUNCH_ARGS
        )
        try:
            context = browser.new_context(no_viewport=True)
            context.new_page().goto(start_url, wait_until="commit")
            while not enter.is_set():
                pages = [p for p in context.pages if not p.is_closed()]
                if not pages or not browser.is_connected():
                    return None
                if finish_url and any(p.url.startswith(finish_url) for p in pages):
                    break
                pages[0].wait_for_timeout(POLL_S * 1000)
            return dict(context.storage_state())
        except PlaywrightError:
            return None  # the window was closed under us
        finally:
            browser.close()


def _wait_for_enter(enter: threading.Event) -> None:
    """A line typed on stdin (not its end: without a terminal only ``finishUrl`` ends it)."""
    if sys.stdin.readline():
        enter.set()


def _verdict(client: ApiClient, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + VERDICT_TIMEOUT_S
    while True:
        result: dict[str, Any] = client.project("GET", path)
        if result["status"] not in UNDECIDED or time.monotonic() > deadline:
            return result
        time.sleep(POLL_S)
