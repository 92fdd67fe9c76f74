"""The demo site's members area: a login form, cookie sessions that expire, members-only pages.

It exists so AuthSessions can be shown and tested against a real login: sessions last
``ttl_s`` seconds, ``POST /members/revoke`` ends every session at once, and
``GET /members/stats`` says how many logins there were (tests use it to see a recreation).

The same members also sign in with a second factor at ``/sso/login`` (the kind of sign-in a
script cannot do, for recorder AuthSessions): the password, then a six-digit code sent to the
member's phone, which the site plays as ``/sso/phone`` (a person reads it there; so do tests).
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

COOKIE = "member"
ORDERS = 6
_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Offline '
    'Bookstore</title><link rel="stylesheet" href="/style.css"></head><body><header>'
    '<a href="/index.html">Offline Bookstore</a> · <a href="/members/">Members</a></header>'
    "<main>{body}</main></body></html>"
)
_LOGIN_FORM = (
    '<form method="post" action="/login"><label>Username <input id="username" name="username">'
    '</label> <label>Password <input id="password" name="password" type="password"></label> '
    '<button id="sign-in" type="submit">Sign in</button></form>'
)


@dataclass
class MembersArea:
    username: str = "reader"
    password: str = "bookworm"
    ttl_s: float = 600.0
    logins: int = 0
    failed_logins: int = 0
    _sessions: dict[str, float] = field(default_factory=dict)
    _codes: dict[str, str] = field(default_factory=dict)
    """Second-factor tickets -> the code sent for them."""
    phone: str = ""
    """The latest text message to the member."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def login(self, username: str, password: str) -> str | None:
        with self._lock:
            if not self._password_ok(username, password):
                return None
            return self._new_session()

    def first_factor(self, username: str, password: str) -> str | None:
        """A ticket for the second step; the code goes to the member's phone."""
        with self._lock:
            if not self._password_ok(username, password):
                return None
            ticket, code = secrets.token_urlsafe(16), f"{secrets.randbelow(10**6):06d}"
            self._codes[ticket] = code
            self.phone = f"Offline Bookstore: your sign-in code is {code}"
            return ticket

    def second_factor(self, ticket: str, code: str) -> str | None:
        with self._lock:
            expected = self._codes.get(ticket)
            if expected is None or not secrets.compare_digest(code.encode(), expected.encode()):
                self.failed_logins += 1
                return None
            del self._codes[ticket]
            return self._new_session()

    def _password_ok(self, username: str, password: str) -> bool:
        ok = secrets.compare_digest(username.encode(), self.username.encode()) and (
            secrets.compare_digest(password.encode(), self.password.encode())
        )
        if not ok:
            self.failed_logins += 1
        return ok

    def _new_session(self) -> str:
        self.logins += 1
        token = secrets.token_urlsafe(16)
        self._sessions[token] = time.monotonic() + self.ttl_s
        return token

    def signed_in(self, cookie_header: str | None) -> bool:
        cookie: SimpleCookie = SimpleCookie(cookie_header or "")
        token = cookie[COOKIE].value if COOKIE in cookie else ""
        with self._lock:
            expires = self._sessions.get(token)
            return expires is not None and expires > time.monotonic()

    def revoke(self) -> None:
        with self._lock:
            self._sessions.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            live = sum(1 for e in self._sessions.values() if e > time.monotonic())
            return {"logins": self.logins, "failedLogins": self.failed_logins, "sessions": live}


def page(title: str, body: str) -> bytes:
    return _PAGE.format(title=html.escape(title), body=body).encode()


def login_page(error: str = "") -> bytes:
    message = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return page("Sign in", f"<h1>Sign in</h1>{message}{_LOGIN_FORM}")


def sso_login_page(error: str = "") -> bytes:
    message = f'<p class="error">{html.escape(error)}</p>' if error else ""
    form = _LOGIN_FORM.replace('action="/login"', 'action="/sso/login"')
    form = form.replace('<input id="username"', '<input id="username" autofocus')
    note = "<p>Then enter the code we send to your phone.</p>"
    return page("Sign in (two steps)", f"<h1>Sign in</h1>{message}{note}{form}")


def sso_code_page(ticket: str, error: str = "") -> bytes:
    message = f'<p class="error">{html.escape(error)}</p>' if error else ""
    form = (
        '<form method="post" action="/sso/verify"><input type="hidden" name="ticket" '
        f'value="{html.escape(ticket)}"><label>Code <input id="code" name="code" autofocus '
        'inputmode="numeric" autocomplete="one-time-code"></label> '
        '<button id="verify" type="submit">Verify</button></form>'
    )
    return page("Enter your code", f"<h1>Enter the code sent to your phone</h1>{message}{form}")


def phone_page(area: MembersArea) -> bytes:
    text = html.escape(area.phone or "No messages.")
    return page("Phone", f'<h1>The member\'s phone</h1><p id="message">{text}</p>')


def parse_form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def members_page(area: MembersArea) -> bytes:
    links = "".join(
        f'<li><a class="order" href="/members/orders/{n}">Order #{n}</a></li>'
        for n in range(1, ORDERS + 1)
    )
    return page(
        "Members",
        f'<h1>Members</h1><p id="signed-in">Signed in as {html.escape(area.username)}</p>'
        f'<ul class="orders">{links}</ul>',
    )


def order_page(number: int) -> bytes:
    total = f"{number * 7.25:.2f}"
    return page(
        f"Order #{number}",
        f'<h1>Order #{number}</h1><p class="total">£{total}</p>'
        f'<p class="items">{number} book(s)</p>',
    )


def parse_login(body: bytes) -> tuple[str, str]:
    fields = parse_form(body)
    return fields.get("username", ""), fields.get("password", "")


def stats_body(area: MembersArea) -> bytes:
    return json.dumps(area.stats()).encode()
