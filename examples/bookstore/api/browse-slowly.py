"""Browse the store's categories one by one, slowly, printing each step: what an attempt's live
log in the dashboard shows while it runs."""

import asyncio
from typing import Any

from playwright.async_api import Page


async def automation(page: Page, params: dict[str, Any], **_kwargs):
    await page.goto(params.get("baseUrl", "http://127.0.0.1:8765/"))
    links = await page.eval_on_selector_all("ul.categories a", "(links) => links.map(a => a.href)")
    steps = int(params.get("steps", 6))
    seen = []
    for step in range(steps):
        await page.goto(links[step % len(links)])
        seen.append(await page.title())
        print(f"step {step + 1} of {steps}: {seen[-1]}", flush=True)
        await asyncio.sleep(float(params.get("pauseSeconds", 1.0)))
    return {"visited": seen}
