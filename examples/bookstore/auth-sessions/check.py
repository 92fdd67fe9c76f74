"""Is the session still signed in? The members page says so, or redirects to the login form.

The site's address comes from BOOKSTORE_URL (check() gets no parameters), default the demo's.
"""

import os

from playwright.async_api import Page

BASE = os.environ.get("BOOKSTORE_URL", "http://127.0.0.1:8765").rstrip("/")


async def check(page: Page, **_kwargs) -> bool:
    await page.goto(f"{BASE}/members/")
    return await page.locator("#signed-in").count() > 0
