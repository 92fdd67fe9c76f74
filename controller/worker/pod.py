"""One attempt in a Pod: ``python -m controller.worker.pod``.

The Pod's environment holds only where to call back (``JOBCTL_CALLBACK``), the attempt's ID and
its own token (``JOBCTL_ATTEMPT_ID``, ``JOBCTL_WORKER_TOKEN``, from a Secret); the attempt request
itself, proxy credentials included, is fetched from the operator. The process exits when the
attempt has reported its outcome: 0, or 3 when the browser died (the operator sees the Pod fail
and counts an infrastructure failure if no outcome arrived).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

from .apis import ApiLoader
from .attempt import BrowserGoneError, run_attempt
from .browser import launch_with_profile
from .callback import AttemptEventPoster, asker, fetch_request, uploader
from .contexts import ContextPool
from .host import route_output


async def serve() -> int:
    callback = os.environ["JOBCTL_CALLBACK"]
    token = os.environ["JOBCTL_WORKER_TOKEN"]
    attempt_id = os.environ["JOBCTL_ATTEMPT_ID"]
    apis = ApiLoader(Path(os.environ.get("JOBCTL_PROJECT", ".")))
    artifacts = Path(os.environ.get("JOBCTL_ARTIFACTS", "/tmp/jobctl-attempts"))
    route_output()
    request = await asyncio.to_thread(fetch_request, callback, token, attempt_id)
    events = AttemptEventPoster(callback)
    send = events.sender(attempt_id, token)
    profile = tempfile.TemporaryDirectory(prefix="jobctl-profile-")
    async with async_playwright() as playwright:
        browser, main, cdp_url = await launch_with_profile(playwright, Path(profile.name))
        try:
            # one attempt: no sharing
            pool = ContextPool(browser, max_idle=0, main_context=main, cdp_url=cdp_url)
            ask = asker(callback, token, attempt_id)
            upload = uploader(callback, token)
            await run_attempt(pool, apis, request, artifacts, send=send, ask=ask, upload=upload)
        except BrowserGoneError:
            return 3
        finally:
            await main.close()
            profile.cleanup()
            events.flush()
    return 0


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
