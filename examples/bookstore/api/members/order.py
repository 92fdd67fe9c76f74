"""Read one order (members only)."""

from typing import Any

from playwright.async_api import Page


async def automation(page: Page, params: dict[str, Any], **_kwargs):
    await page.goto(params["url"])
    if "/login" in page.url:
        raise RuntimeError("not signed in: the order page redirected to the login form")
    return {
        "order": await page.text_content("h1"),
        "total": await page.text_content(".total"),
        "items": await page.text_content(".items"),
    }
