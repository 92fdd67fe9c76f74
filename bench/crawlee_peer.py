"""The benchmark peer: a Crawlee ``PlaywrightCrawler`` with its default settings (concurrency 4,
our Chromium) reading the same book pages as the jobctl run, the way a user would write it.

Run with the bench-only virtualenv's Python (``bench/browser_vs_crawlee.py`` makes it under
``.cache/bench``; Crawlee is never installed into the project's virtualenv):
``python bench/crawlee_peer.py CHROMIUM LAUNCH_ARGS_JSON URL...`` (the same launch flags as our
workers); prints ``{"pages": N, "items": N}``.
"""

from __future__ import annotations

import asyncio
import json
import sys

from crawlee import ConcurrencySettings
from crawlee.crawlers import PlaywrightCrawler, PlaywrightCrawlingContext

CONCURRENCY = 4


async def main(chromium: str, launch_args: list[str], urls: list[str]) -> None:
    items: list[dict[str, object]] = []
    crawler = PlaywrightCrawler(
        browser_type="chromium",
        headless=True,
        browser_launch_options={"executable_path": chromium, "args": launch_args},
        concurrency_settings=ConcurrencySettings(
            min_concurrency=CONCURRENCY,
            max_concurrency=CONCURRENCY,
            desired_concurrency=CONCURRENCY,
        ),
        max_request_retries=3,
    )

    @crawler.router.default_handler
    async def book(context: PlaywrightCrawlingContext) -> None:
        page = context.page
        rating = await page.get_attribute("p.rating", "data-stars")
        items.append(
            {
                "title": ((await page.text_content("h1")) or "").strip(),
                "price": ((await page.text_content("p.price")) or "").strip(),
                "availability": ((await page.text_content("p.availability")) or "").strip(),
                "rating": int(rating or 0),
                "upc": ((await page.text_content("table.info td")) or "").strip(),
                "description": ((await page.text_content("#description p")) or "").strip(),
            }
        )

    stats = await crawler.run(urls)  # distinct URLs: Crawlee deduplicates requests
    print(json.dumps({"pages": stats.requests_finished, "items": len(items)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]))
