"""An automation project written as Intuned's templates and cookbook write them: dependencies in
``pyproject.toml`` (``requires-python`` 3.12, ``intuned-browser``, ``beautifulsoup4``, pinned
``pydantic``, ``intuned-runtime``), ``intuned_browser`` helpers, the whole runtime API, a setup
hook that attaches to the browser through ``cdp_url``, an AuthSession file with
``parameters``, ``Intuned.jsonc``. Tests run it unchanged through ``jobctl run``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

PYPROJECT = """\
[project]
name = "bookstore-intuned"
version = "0.1.0"
requires-python = ">=3.12,<3.13"
dependencies = [
    "intuned-runtime==1.3.49",
    "intuned-browser==0.1.19",
    "beautifulsoup4>=4.12",
    "pydantic==2.10.6",
]
"""

INTUNED_JSONC = """\
{
  // as Intuned's templates write it
  "projectName": "bookstore-intuned",
  "authSessions": {"enabled": true, "type": "API"},
  "replication": {"maxConcurrentRequests": 2, "size": "standard"},
  "headful": false,
  "stealthMode": {"enabled": false},
}
"""

FILES = {
    "hooks/setup_context.py": """
        from intuned_runtime import attempt_store
        from playwright.async_api import async_playwright


        async def setup_context(*, api_name: str, api_parameters, cdp_url: str):
            async with async_playwright() as playwright:
                browser = await playwright.chromium.connect_over_cdp(cdp_url)
                contexts = len(browser.contexts)
            attempt_store.set("setup", {"api": api_name, "cdp": cdp_url.split(":")[0],
                                        "contexts": contexts})
    """,
    "api/catalogue.py": """
        from intuned_browser import go_to_url
        from intuned_runtime import extend_payload, extend_timeout, set_attribute


        async def automation(page, params, **_kwargs):
            await go_to_url(page, params["url"])
            links = await page.eval_on_selector_all(
                ".product a[href*=books]", "els => els.map(e => e.href)")
            links = links[: params["limit"]]
            extend_payload(*[{"api": "book", "parameters": {"url": u}} for u in links[:-1]])
            extend_payload({"api": "book", "parameters": {"url": links[-1]}})
            extend_timeout()
            set_attribute("books", len(links))
            return {"books": len(links)}
    """,
    "api/book.py": """
        import datetime

        from bs4 import BeautifulSoup
        from intuned_runtime import (IntunedContext, attempt_store, persistent_store, run_info,
                                     send_message_to_agent)
        from pydantic import BaseModel, Field


        class Book(BaseModel):
            title: str
            unit_price: str = Field(alias="unitPrice")
            seen_on: datetime.date = Field(alias="seenOn")
            run: dict


        async def automation(page, params=None, context=None, **_kwargs):
            await page.goto(params["url"])
            soup = BeautifulSoup(await page.content(), "html.parser")
            info = run_info()
            assert IntunedContext.current().run_context.run_id == info.run_id
            seen = await persistent_store.get("seen") or 0
            await persistent_store.set("seen", seen + 1)
            send_message_to_agent(dedup_key="books", message="read " + soup.h1.text)
            return Book(
                title=soup.h1.text.strip(),
                unitPrice=soup.select_one("p.price").text.strip(),
                seenOn=datetime.date(2026, 12, 6),
                run={"job": info.job_id, "jobRun": info.job_run_id,
                     "attempt": info.attempt_number, "setup": attempt_store.get("setup")},
            )
    """,
    "api/hello.py": """
        async def automation(page):
            return {"hello": "world"}
    """,
    "api/refuse.py": """
        from intuned_runtime import NonRetryableError


        async def automation(page, params, **_kwargs):
            raise NonRetryableError("this input can never work")
    """,
    "api/members.py": """
        from intuned_runtime import get_auth_session_parameters


        async def automation(page, params, **_kwargs):
            await page.goto(params["base"] + "/members/")
            signed_in = await page.locator("#signed-in").text_content()
            parameters = await get_auth_session_parameters()
            return {"signedIn": signed_in, "user": parameters["username"]}
    """,
    "auth-sessions/check.py": """
        import os


        async def check(page, **_kwargs) -> bool:
            await page.goto(os.environ["BOOKSTORE_URL"] + "/members/")
            return await page.locator("#signed-in").count() > 0
    """,
    "auth-sessions/create.py": """
        import os


        async def create(page, params, **_kwargs):
            await page.goto(os.environ["BOOKSTORE_URL"] + "/login")
            await page.fill("#username", params["username"])
            await page.fill("#password", params["password"])
            await page.click("#sign-in")
            await page.wait_for_load_state()
    """,
}


def write_project(root: Path, *, site: str, password: str) -> Path:
    """The project under ``root``, with Jobs reading ``site`` (the demo bookstore)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "Intuned.jsonc").write_text(INTUNED_JSONC)
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    jobs: dict[str, dict[str, Any]] = {
        "books": {
            "payload": [
                {
                    "apiName": "catalogue",
                    "parameters": {
                        "url": f"{site}/catalogue/category/mystery/index.html",
                        "limit": 3,
                    },
                },
                {"apiName": "hello"},
            ],
            "configuration": {"retry": {"maximumAttempts": 2}},
        },
        "refused": {
            "payload": [{"apiName": "refuse", "parameters": {}}],
            "configuration": {"retry": {"maximumAttempts": 3}},
        },
        "members": {
            "payload": [{"apiName": "members", "parameters": {"base": site}}],
            "auth_session": {"id": "member"},
        },
    }
    resources = root / "intuned-resources"
    (resources / "jobs").mkdir(parents=True, exist_ok=True)
    for job_id, job in jobs.items():
        (resources / "jobs" / f"{job_id}.job.jsonc").write_text(json.dumps(job, indent=2))
    (resources / "auth-sessions").mkdir(exist_ok=True)
    (resources / "auth-sessions" / "member.auth-session.jsonc").write_text(
        json.dumps({"parameters": {"username": "reader", "password": password}})
    )
    return root
