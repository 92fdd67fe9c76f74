"""Sign in with the AuthSession's credentials; the browser keeps the session cookie."""

import os
from typing import Any

from playwright.async_api import Page

BASE = os.environ.get("BOOKSTORE_URL", "http://127.0.0.1:8765").rstrip("/")


async def create(page: Page, params: dict[str, Any], **_kwargs) -> None:
    await page.goto(f"{BASE}/login")
    await page.fill("#username", params["username"])
    await page.fill("#password", params["password"])
    await page.click("#sign-in")
    await page.wait_for_load_state()
    if await page.locator("#signed-in").count() == 0:
        raise RuntimeError("the store refused the sign-in")
