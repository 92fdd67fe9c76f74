"""Where an attempt's browser context and page come from, and which attempts keep a trace.

Isolation ``context``: every attempt gets a fresh incognito context, closed after it. Isolation
``page``: the first attempts of one JobRun on this worker share a context, each in a new page:

- the browser's main (profile) context, which Chromium opens pages in far faster than in an
  incognito context (about 2.5x on this project's benchmark machine), serves one JobRun at a
  time, with any number of its attempts at once; before it serves another JobRun it is cleared
  (cookies, permissions, routes, extra headers, and every origin's storage and cache that it
  touched; init scripts and bindings that user code adds to ``page.context`` cannot be removed,
  so such code belongs at isolation ``context``);
- when the main context is busy with another JobRun, or the attempt records a trace (a trace
  belongs to a context, so a recorded attempt needs one of its own), or uses a proxy (a context
  setting), the attempt gets an incognito context shared with earlier attempts of its JobRun,
  one at a time, with its next page opened ahead while the context waits.

A shared context is cleared or closed after ``pages_per_context`` attempts and after a failed or
cancelled attempt. A retry (attempt 2 or later) and an attempt with an AuthSession (its context
comes from the session check) always get a fresh context. Cookies, storage and the HTTP cache
carry over between attempts of one JobRun (the point of the level); never between JobRuns.

Tracing: a context that records has ``tracing.start`` called once; each attempt is one chunk,
saved to the attempt's folder when the trace mode keeps it, discarded otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

IDLE_S = 30.0
Key = tuple[str, str | None]
"""(JobRun, proxy) of the attempts that may share a context."""


def records(mode: str, attempt_number: int) -> bool:
    """Whether the attempt's actions are recorded at all."""
    if mode == "on-first-retry":
        return attempt_number == 2
    return mode in ("on", "full", "retain-on-failure")


def keeps(mode: str, attempt_number: int, *, failed: bool) -> bool:
    """Whether the recorded trace is saved."""
    if mode == "retain-on-failure":
        return failed
    return records(mode, attempt_number)


@dataclass
class Lease:
    """A context and a page lent to one attempt."""

    context: Any
    key: Key | None
    """Attempts with this key may use the context later; None: it is closed after this one."""
    page: Any = None
    uses: int = 0
    recording: bool = False
    """``tracing.start`` was called on this context (later attempts record chunks)."""
    idle_since: float = 0.0
    next_page: asyncio.Task[Any] | None = field(default=None, repr=False)
    main: bool = False


@dataclass
class _Main:
    context: Any
    owner: Key | None = None
    active: int = 0
    uses: int = 0
    dirty: bool = False
    origins: set[str] = field(default_factory=set)


class ContextPool:
    def __init__(
        self,
        browser: Any,
        *,
        max_idle: int,
        main_context: Any = None,
        cdp_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``max_idle``: shared incognito contexts kept between attempts (0: none);
        ``main_context``: the browser's profile context (None: incognito contexts only);
        ``cdp_url``: the browser's DevTools endpoint (given to setup hooks)."""
        self.browser = browser
        self.cdp_url = cdp_url
        self.max_idle = max_idle
        self.clock = clock
        self._idle: list[Lease] = []
        self._main = None if main_context is None else _Main(main_context)
        if self._main is not None:
            self._main.context.on("request", self._touched)

    async def acquire(
        self, request: dict[str, Any], new_context: Callable[[], Awaitable[Any]]
    ) -> Lease:
        """A context and page for this attempt, recording if its trace mode says so."""
        await self._close_stale()
        mode, number = request.get("trace", "on"), request["attempt_number"]
        key = self._key(request)
        lease = await self._main_lease(key) if not records(mode, number) else None
        if lease is None and key is not None:
            lease = next((c for c in reversed(self._idle) if c.key == key), None)
            if lease is not None:
                self._idle.remove(lease)
        if lease is None:
            lease = Lease(await new_context(), key)
        lease.uses += 1
        if records(mode, number):
            if lease.recording:
                await lease.context.tracing.start_chunk()
            else:
                full = mode == "full"
                await lease.context.tracing.start(screenshots=full, snapshots=full)
                lease.recording = True
        ahead, lease.next_page = lease.next_page, None
        lease.page = None
        if ahead is not None:
            with contextlib.suppress(Exception):
                lease.page = await ahead
        if lease.page is None:
            lease.page = await lease.context.new_page()
        return lease

    async def release(
        self, lease: Lease, request: dict[str, Any], trace: Path, *, failed: bool
    ) -> bool:
        """Save or drop the attempt's trace, then keep or close the context. True: the trace
        was saved at ``trace``."""
        mode, number = request.get("trace", "on"), request["attempt_number"]
        saved = False
        if records(mode, number) and lease.recording:
            keep = keeps(mode, number, failed=failed)
            with contextlib.suppress(Exception):
                await lease.context.tracing.stop_chunk(path=str(trace) if keep else None)
                saved = keep
        limit = request.get("pages_per_context", 1)
        if lease.main:
            await self._release_main(lease, failed=failed, limit=limit)
            return saved
        reusable = (
            lease.key is not None
            and not failed
            and lease.uses < limit
            and self.browser.is_connected()
        )
        if reusable and await _clear_pages(lease.context.pages):
            lease.idle_since = self.clock()
            lease.next_page = asyncio.ensure_future(lease.context.new_page())
            self._idle.append(lease)
            while len(self._idle) > self.max_idle:
                await _close(self._idle.pop(0))
        else:
            await _close(lease)
        return saved

    async def close(self) -> None:
        while self._idle:
            await _close(self._idle.pop())

    def _key(self, request: dict[str, Any]) -> Key | None:
        shared = (
            request.get("isolation") == "page"
            and request["attempt_number"] == 1
            and not request.get("auth_session")
        )
        return (request["job_run_id"], request.get("proxy")) if shared else None

    # --------------------------------------------------------- main context
    async def _main_lease(self, key: Key | None) -> Lease | None:
        main = self._main
        if main is None or key is None or key[1] is not None:
            return None
        if main.owner != key:
            if main.active:
                return None  # another JobRun's attempts are in it
            await self._clear_main()
            main.owner = key
        main.active += 1
        return Lease(main.context, key, main=True)

    async def _release_main(self, lease: Lease, *, failed: bool, limit: int) -> None:
        main = self._main
        assert main is not None
        with contextlib.suppress(Exception):
            opened = [p for p in main.context.pages if await p.opener() == lease.page]
            await _clear_pages([lease.page, *opened])
        main.active -= 1
        main.uses += 1
        main.dirty = main.dirty or failed or main.uses >= limit
        if main.dirty and main.active == 0:
            await self._clear_main()

    async def _clear_main(self) -> None:
        """Forget everything the main context's previous attempts left behind."""
        main = self._main
        assert main is not None
        origins, main.origins = main.origins, set()
        main.owner, main.uses, main.dirty = None, 0, False
        with contextlib.suppress(Exception):
            await main.context.clear_cookies()
            await main.context.clear_permissions()
            await main.context.unroute_all(behavior="ignoreErrors")
            await main.context.set_extra_http_headers({})
            await main.context.set_offline(False)
            if origins:
                page = await main.context.new_page()
                try:
                    session = await main.context.new_cdp_session(page)
                    for origin in sorted(origins):
                        await session.send(
                            "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}
                        )
                    await session.send("Network.clearBrowserCache")
                finally:
                    await page.close()

    def _touched(self, request: Any) -> None:
        assert self._main is not None
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https"):
            self._main.origins.add(f"{parts.scheme}://{parts.netloc}")

    async def _close_stale(self) -> None:
        """Stale contexts leave the idle list all at once, before any is closed: attempts that
        start while one closes (an await) never see, take or close it again."""
        now = self.clock()
        stale = [c for c in self._idle if now - c.idle_since > IDLE_S]
        self._idle = [c for c in self._idle if c not in stale]
        for lease in stale:
            await _close(lease)


async def _clear_pages(pages: list[Any]) -> bool:
    """Close these pages; False if the context is broken."""
    try:
        for page in pages:
            await page.close()
    except Exception:
        return False
    return True


async def _close(lease: Lease) -> None:
    if lease.next_page is not None:
        lease.next_page.cancel()
    with contextlib.suppress(Exception):
        await lease.context.close()
