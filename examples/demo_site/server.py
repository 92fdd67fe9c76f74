"""``jobctl demo-site``: serve the offline bookstore on 127.0.0.1 for the demo and the tests.

It also plays the demo's webhook receiver: a POST under ``/webhook/`` (the demo Job's sink and
notification) is answered 200 and summarised on one line, so ``make run`` shows results
arriving as they are delivered. And it has a members area behind a login (``members``) for
AuthSessions.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import members as demo_members
from .members import MembersArea

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "bookstore" / "site"


class _QuietHandler(SimpleHTTPRequestHandler):
    members: MembersArea

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/login":
            self._reply(200, demo_members.login_page())
        elif path == "/sso/login":
            self._reply(200, demo_members.sso_login_page())
        elif path == "/sso/verify":
            ticket = parse_qs(urlsplit(self.path).query).get("ticket", [""])[0]
            self._reply(200, demo_members.sso_code_page(ticket))
        elif path == "/sso/phone":
            self._reply(200, demo_members.phone_page(self.members))
        elif path == "/members/stats":
            self._reply(200, demo_members.stats_body(self.members), "application/json")
        elif path.startswith("/members/"):
            self._members_page(path)
        else:
            super().do_GET()

    def _members_page(self, path: str) -> None:
        if not self.members.signed_in(self.headers.get("cookie")):
            self._redirect("/login")
        elif path == "/members/":
            self._reply(200, demo_members.members_page(self.members))
        elif path.startswith("/members/orders/") and path.rsplit("/", 1)[1].isdigit():
            self._reply(200, demo_members.order_page(int(path.rsplit("/", 1)[1])))
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path == "/login":
            token = self.members.login(*demo_members.parse_login(body))
            if token is None:
                self._reply(401, demo_members.login_page("Invalid username or password."))
            else:
                self._redirect("/members/", f"{demo_members.COOKIE}={token}; Path=/; HttpOnly")
        elif self.path == "/sso/login":
            ticket = self.members.first_factor(*demo_members.parse_login(body))
            if ticket is None:
                self._reply(401, demo_members.sso_login_page("Invalid username or password."))
            else:
                self._redirect(f"/sso/verify?ticket={ticket}")
        elif self.path == "/sso/verify":
            fields = demo_members.parse_form(body)
            ticket = fields.get("ticket", "")
            token = self.members.second_factor(ticket, fields.get("code", "").strip())
            if token is None:
                self._reply(401, demo_members.sso_code_page(ticket, "That code is not right."))
            else:
                self._redirect("/members/", f"{demo_members.COOKIE}={token}; Path=/; HttpOnly")
        elif self.path == "/members/revoke":
            self.members.revoke()
            self._reply(204, b"")
        elif self.path.startswith("/webhook/"):
            self._reply(200, b"")
            print(f"receiver {self.path}: {_summary(body)}", flush=True)
        else:
            self.send_error(404)

    def _reply(self, status: int, body: bytes, content_type: str = "text/html") -> None:
        self.send_response(status)
        self.send_header("content-type", f"{content_type}; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self.send_response(303)
        self.send_header("location", location)
        if cookie:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", "0")
        self.end_headers()


def _summary(body: bytes) -> str:
    try:
        event = json.loads(body)
    except ValueError:
        return f"{len(body)} bytes (not JSON)"
    if "apiInfo" in event:  # a results line from the sink
        info = event["apiInfo"]
        state = "ok" if info.get("error") is None else f"error {info['error'].get('code')}"
        return f"result of {info.get('name')} {info.get('runId')} ({state})"
    summary = event.get("summary") or {}
    files = event.get("aggregatedResults") or {}
    counts = f"{summary.get('successfulRuns')} succeeded, {summary.get('failedRuns')} failed"
    where = files.get("signedUrl")
    return f"JobRun {event.get('id')} {event.get('status')}: {counts}; results {where}"


def add_arguments(site: argparse.ArgumentParser) -> None:
    site.add_argument("--port", type=int, default=8765, help="default: %(default)s")
    site.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="default: %(default)s")
    site.add_argument("--member", default="reader", help="members-area username (%(default)s)")
    site.add_argument(
        "--member-password",
        default="bookworm",
        metavar="PASSWORD",
        help="members-area password (default: %(default)s)",
    )
    site.add_argument(
        "--session-ttl",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="members' sessions expire after this long (%(default)s)",
    )
    site.add_argument(
        "--quiet", action="store_true", help="do not say where the site is (`make run`)"
    )


def static_server(
    root: Path, port: int = 0, members: MembersArea | None = None
) -> ThreadingHTTPServer:
    """The demo site on 127.0.0.1 (port 0: any free port); call serve_forever."""
    handler_class = type("Handler", (_QuietHandler,), {"members": members or MembersArea()})
    handler = functools.partial(handler_class, directory=str(root))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def run_demo_site(args: argparse.Namespace) -> int:
    if not (args.root / "index.html").exists():
        print(f"demo site: {args.root}/index.html not found; pass --root", file=sys.stderr)
        return 2
    try:
        members = MembersArea(args.member, args.member_password, args.session_ttl)
        server = static_server(args.root, args.port, members)
    except OSError as exc:
        print(
            f"jobctl demo-site: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    if not args.quiet:
        print(f"demo site on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    with server:
        server.serve_forever()
    return 0
