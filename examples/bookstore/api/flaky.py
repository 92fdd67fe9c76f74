"""Fails on its first attempt and succeeds on the next: shows retries in the demo.

jobctl passes `attempt_number` to APIs that accept extra keyword arguments.
"""

from typing import Any

from playwright.async_api import Page


async def automation(page: Page, params: dict[str, Any], **kwargs):
    await page.goto(params.get("baseUrl", "http://127.0.0.1:8765/"))
    if kwargs.get("attempt_number", 1) < params.get("succeedOnAttempt", 2):
        raise RuntimeError("the store did not answer in time (this API fails on purpose)")
    return {"title": await page.title(), "attempt": kwargs.get("attempt_number")}
