"""Read one book's page (a nested API: its name is `books/details`)."""

from typing import Any

from playwright.async_api import Page


async def automation(page: Page, params: dict[str, Any], **_kwargs):
    await page.goto(params["url"])
    rating = await page.get_attribute("p.rating", "data-stars")
    return {
        "title": (await page.text_content("h1")).strip(),
        "price": (await page.text_content("p.price")).strip(),
        "availability": (await page.text_content("p.availability")).strip(),
        "rating": int(rating),
        "upc": (await page.text_content("table.info td")).strip(),
        "description": (await page.text_content("#description p")).strip(),
    }
