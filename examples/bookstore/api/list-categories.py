"""List the store's categories and fan out one `scrape-category` Run per category."""

from typing import Any

from intuned_runtime import extend_payload
from playwright.async_api import Page


async def automation(page: Page, params: dict[str, Any], **_kwargs):
    base_url = params.get("baseUrl", "http://127.0.0.1:8765/")
    await page.goto(base_url)
    categories = await page.eval_on_selector_all(
        "ul.categories a", "(links) => links.map(a => ({name: a.textContent.trim(), url: a.href}))"
    )
    for category in categories:
        extend_payload({"api": "scrape-category", "parameters": {"url": category["url"]}})
    return {"categories": [c["name"] for c in categories]}
