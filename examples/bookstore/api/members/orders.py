"""List the member's orders (members only) and add one `members/order` Run per order
(`passes` times over, to make a longer JobRun)."""

import os
from typing import Any

from intuned_runtime import extend_payload
from playwright.async_api import Page

BASE = os.environ.get("BOOKSTORE_URL", "http://127.0.0.1:8765").rstrip("/")


async def automation(page: Page, params: dict[str, Any], **_kwargs):
    await page.goto(f"{params.get('baseUrl', BASE).rstrip('/')}/members/")
    if await page.locator("#signed-in").count() == 0:
        raise RuntimeError("not signed in: the members page redirected to the login form")
    links = await page.eval_on_selector_all("a.order", "(links) => links.map(a => a.href)")
    for n in range(params.get("passes", 1)):
        for url in links:
            extend_payload({"api": "members/order", "parameters": {"url": url, "pass": n}})
    return {"orders": len(links)}
