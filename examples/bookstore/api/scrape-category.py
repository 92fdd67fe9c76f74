"""Scrape every page of one category and fan out a `books/details` Run per book.

Takes `url` (a category page) or `category` (a name, resolved against `baseUrl`).
"""

from typing import Any

from intuned_runtime import extend_payload
from playwright.async_api import Page


async def automation(page: Page, params: dict[str, Any], **_kwargs):
    url = params.get("url")
    if url is None:
        base = params.get("baseUrl", "http://127.0.0.1:8765/").rstrip("/")
        slug = "-".join(params["category"].lower().split())
        url = f"{base}/catalogue/category/{slug}/index.html"
    await page.goto(url)
    name = (await page.text_content("h1")).strip()
    books = []
    while True:
        books += await page.eval_on_selector_all(
            "article.product",
            """(items) => items.map(item => ({
                title: item.querySelector('h3 a').getAttribute('title'),
                price: item.querySelector('.price').textContent.trim(),
                url: item.querySelector('h3 a').href,
            }))""",
        )
        following = await page.query_selector("li.next a")
        if following is None:
            break
        await following.click()
        await page.wait_for_load_state()
    extend_payload([{"api": "books/details", "parameters": {"url": b["url"]}} for b in books])
    return {"category": name, "books": books}
