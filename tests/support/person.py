"""The person who signs in to a recorder AuthSession in tests: they read the demo site's
second-factor code on their phone (``/sso/phone``) and see where the site's fields and buttons
are on a screen of the recorder's size (1280 x 800 CSS pixels); and the controller they sign
in on: ``jobctl run`` on the bookstore project with the session and a Job that needs it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import ViewportSize, sync_playwright

from controller.worker.browser import LAUNCH_ARGS, SYSTEM_CHROMIUM

from .controller_process import ROOT, RunningController, start_controller
from .waiting import wait_for

SCREEN: ViewportSize = {"width": 1280, "height": 800}


CODE_PAGE = "/sso/verify"
"""Where the site asks for the code (after the password was right)."""


def code_on_the_phone(site: str, timeout: float = 30) -> str:
    """The code the site sent, once it has (the first step of the sign-in done)."""

    def sent() -> str | None:
        text = httpx.get(f"{site}/sso/phone", trust_env=False).text
        found = re.search(r"code is (\d{6})", text)
        return None if found is None else found.group(1)

    code: str = wait_for(sent, timeout, "the code on the member's phone", step=0.2)
    return code


def where_on_the_screen(url: str, *selectors: str) -> list[tuple[float, float]]:
    """The centre of each element on the page at ``url``, as the recorder's screen shows it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(SYSTEM_CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport=SCREEN)
        page.goto(url)
        centres = []
        for selector in selectors:
            box = page.locator(selector).bounding_box()
            assert box is not None, f"{selector} is not on {url}"
            centres.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        browser.close()
        return centres


def controller_with_a_recorder_session(
    root: Path, site: str, more_sessions: dict[str, dict[str, Any]] | None = None
) -> RunningController:
    """The recorder AuthSession ``member-sso`` (the demo site's two-step sign-in, finished at
    the members' page) and the Job ``sso-orders`` (the members' orders, through it)."""
    session = {"type": "recorder", "startUrl": f"{site}/sso/login", "finishUrl": f"{site}/members/"}
    orders = {
        "payload": [{"apiName": "members/orders", "parameters": {}}],
        "auth_session": {"id": "member-sso"},
    }
    return start_controller(
        root,
        {"sso-orders": orders},
        project=ROOT / "examples" / "bookstore",
        auth_sessions={"member-sso": session, **(more_sessions or {})},
        env={"BOOKSTORE_URL": site},
    )
