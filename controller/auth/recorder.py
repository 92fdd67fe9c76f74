"""A person signing in to a recorder AuthSession, in a browser the controller opens.

The browser is Chromium on a fresh, empty context at the session's ``startUrl``. Its screen goes
to whoever watches (the dashboard) as JPEG frames of the DevTools screencast; their mouse and
keyboard come back as ``ScreenInput`` and are played into the page. A page the sign-in opens
(a single sign-on popup) is shown in its place until it closes.

Invariants:
- One recording per AuthSession; a second viewer joins the one there is. At most
  ``MAX_RECORDINGS`` at once (each is a browser).
- A recording ends once, one way, and closes its browser context then: saved (the person
  saved, or the page reached ``finishUrl``: one save either way), cancelled, left alone for
  ``IDLE_S`` (nobody watching or typing), or failed. ``outcome`` says which and the viewers'
  streams end with it. Chromium itself runs while a recording is open.
- The browser state is read once, at the save, and handed to ``save``; neither it nor the input
  (passwords typed) is said anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from ..spec import AuthSessionDefinition
from ..worker.browser import LAUNCH_ARGS, chromium_path

SCREEN = {"width": 1280, "height": 800}
"""The recorded page's viewport (CSS pixels): what viewers see, scaled to their window."""
MAX_RECORDINGS = 2
IDLE_S = 600.0
"""A recording nobody watched or touched for this long is closed."""
JPEG_QUALITY = 70
WATCHED_RECHECK_S = 30.0
"""How often a watched recording's idle clock is reset."""
KEPT_OUTCOMES = 64

InputKind = Literal["move", "down", "up", "click", "wheel", "key", "text"]
MouseButton = Literal["left", "middle", "right"]
OutcomeKind = Literal["saved", "cancelled", "idle", "failed"]


@dataclass(frozen=True)
class Frame:
    jpeg: str
    """Base64 JPEG of the page, ``width`` x ``height`` CSS pixels."""
    width: int
    height: int
    url: str


@dataclass(frozen=True)
class ScreenInput:
    """A viewer's input, in the page's CSS pixels (viewers scale from their own picture)."""

    kind: InputKind
    x: float = 0.0
    y: float = 0.0
    button: MouseButton = "left"
    delta_x: float = 0.0
    delta_y: float = 0.0
    key: str = ""
    """A key or chord for ``key`` (``Enter``, ``Shift+Tab``), as Playwright names them."""
    text: str = ""
    """Characters for ``text``, typed as they are."""


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    message: str
    saved: dict[str, Any] | None = None
    """What ``save`` answered (the version, the validation), for ``saved``."""


class RecordingError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


Save = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
"""Keeps a signed-in browser state as the session's next version; answers what people see."""


class Recording:
    def __init__(self, session_id: str, finish_url: str | None, context: Any) -> None:
        self.session_id = session_id
        self.finish_url = finish_url
        self._context = context
        self._pages: list[Any] = []
        self._cdp: Any = None
        self._switching = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._viewers: set[asyncio.Queue[Frame | None]] = set()
        self.frame: Frame | None = None
        self.finished = asyncio.Event()
        """The page reached ``finish_url``."""
        self.outcome: Outcome | None = None
        self.done = asyncio.Event()
        self.saving = False
        self.touched = asyncio.get_running_loop().time()

    async def begin(self, start_url: str) -> None:
        page = await self._context.new_page()
        await self._opened(page)
        self._context.on("page", lambda opened: self._spawn(self._opened(opened)))
        await page.goto(start_url, wait_until="domcontentloaded")  # its fields are there

    @property
    def watched(self) -> bool:
        return bool(self._viewers)

    @property
    def url(self) -> str:
        return str(self._pages[-1].url) if self._pages else ""

    async def forward(self, event: ScreenInput) -> None:
        """Plays a viewer's input into the page shown; ``RecordingError`` for a key the browser
        does not know."""
        self.touched = asyncio.get_running_loop().time()
        if not self._pages or self.outcome is not None:
            return
        page = self._pages[-1]
        try:
            if event.kind in ("move", "down", "up", "click"):
                await page.mouse.move(event.x, event.y)
            if event.kind in ("down", "click"):
                await page.mouse.down(button=event.button)
            if event.kind in ("up", "click"):
                await page.mouse.up(button=event.button)
            if event.kind == "wheel":
                await page.mouse.move(event.x, event.y)
                await page.mouse.wheel(event.delta_x, event.delta_y)
            if event.kind == "key":
                await page.keyboard.press(event.key)
            if event.kind == "text":
                await page.keyboard.insert_text(event.text)
        except PlaywrightError as exc:
            if "Unknown key" in str(exc):
                raise RecordingError(400, f"unknown key {event.key!r}") from None
            # the page navigated or closed under the input: the next frame shows where it is

    async def frames(self) -> AsyncIterator[Frame]:
        """The screen now, then each change, until the recording ends."""
        queue: asyncio.Queue[Frame | None] = asyncio.Queue(maxsize=2)
        self._viewers.add(queue)
        try:
            if self.outcome is not None:
                return
            if self.frame is not None:
                yield self.frame
            while (frame := await queue.get()) is not None:
                self.touched = asyncio.get_running_loop().time()
                yield frame
        finally:
            self._viewers.discard(queue)

    async def storage_state(self) -> dict[str, Any]:
        state: dict[str, Any] = await self._context.storage_state()
        return state

    async def end(self, outcome: Outcome) -> None:
        """Once: the viewers' streams end, the browser context closes."""
        if self.outcome is not None:
            return
        self.outcome = outcome
        for queue in self._viewers:
            _offer(queue, None)
        with contextlib.suppress(PlaywrightError):
            await self._context.close()
        self.done.set()

    # ------------------------------------------------------------------ the page shown
    async def _opened(self, page: Any) -> None:
        if page in self._pages:
            return
        self._pages.append(page)
        page.on("framenavigated", self._navigated)
        page.on("close", self._closed)
        await self._show(page)

    def _closed(self, page: Any) -> None:
        if page in self._pages:
            self._pages.remove(page)
            if self._pages and self.outcome is None:
                self._spawn(self._show(self._pages[-1]))

    def _navigated(self, frame: Any) -> None:
        if frame.parent_frame is None and self.finish_url and frame.url.startswith(self.finish_url):
            self.finished.set()

    async def _show(self, page: Any) -> None:
        async with self._switching:
            if self._cdp is not None:
                with contextlib.suppress(PlaywrightError):
                    await self._cdp.detach()
            self._cdp = cdp = await self._context.new_cdp_session(page)
            cdp.on("Page.screencastFrame", lambda params: self._on_frame(cdp, page, params))
            await cdp.send(
                "Page.startScreencast",
                {
                    "format": "jpeg",
                    "quality": JPEG_QUALITY,
                    "maxWidth": SCREEN["width"],
                    "maxHeight": SCREEN["height"],
                },
            )

    def _on_frame(self, cdp: Any, page: Any, params: dict[str, Any]) -> None:
        self._spawn(cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]}))
        if cdp is not self._cdp:
            return
        metadata = params.get("metadata", {})
        self.frame = Frame(
            jpeg=params["data"],
            width=round(metadata.get("deviceWidth") or SCREEN["width"]),
            height=round(metadata.get("deviceHeight") or SCREEN["height"]),
            url=str(page.url),
        )
        for queue in self._viewers:
            _offer(queue, self.frame)

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def quietly() -> None:
            with contextlib.suppress(PlaywrightError):
                await work

        task = asyncio.get_running_loop().create_task(quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _offer(queue: asyncio.Queue[Frame | None], item: Frame | None) -> None:
    """The newest frame wins: a slow viewer skips frames rather than falling behind."""
    while queue.full():
        queue.get_nowait()
    queue.put_nowait(item)


class Recordings:
    """The recordings in progress, by AuthSession; each watched over until it ends."""

    def __init__(self, save: Save, *, idle_s: float = IDLE_S, most: int = MAX_RECORDINGS) -> None:
        self._save = save
        self._idle_s = idle_s
        self._most = most
        self._playwright: Any = None
        self._browser: Any = None
        """Chromium while a recording is open (closed with the last one)."""
        self._starting = asyncio.Lock()
        self._open: dict[str, Recording] = {}
        self._ended: dict[str, Outcome] = {}
        """How the latest recordings ended (at most ``KEPT_OUTCOMES``), for a late viewer."""
        self._watchers: set[asyncio.Task[None]] = set()

    async def start(self, session_id: str, definition: AuthSessionDefinition) -> Recording:
        """The session's recording (a new one, or the one in progress)."""
        async with self._starting:  # two viewers asking at once share one
            return await self._start(session_id, definition)

    async def _start(self, session_id: str, definition: AuthSessionDefinition) -> Recording:
        if (recording := self._open.get(session_id)) is not None:
            return recording
        if definition.startUrl is None:
            raise RecordingError(409, f"AuthSession {session_id!r} has no startUrl to sign in at")
        if len(self._open) >= self._most:
            raise RecordingError(
                429,
                f"{len(self._open)} sign-ins are in progress ({', '.join(sorted(self._open))}); "
                "finish or cancel one first",
            )
        browser = await self._launched()
        context = await browser.new_context(viewport=SCREEN)
        recording = Recording(session_id, definition.finishUrl, context)
        self._open[session_id] = recording
        self._ended.pop(session_id, None)
        try:
            await recording.begin(definition.startUrl)
        except PlaywrightError as exc:
            why = f"could not open {definition.startUrl}: {str(exc).splitlines()[0]}"
            await self._end(recording, Outcome("failed", why))
            raise RecordingError(502, why) from None
        task = asyncio.get_running_loop().create_task(self._watch(recording))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)
        return recording

    def get(self, session_id: str) -> Recording | None:
        return self._open.get(session_id)

    def last_outcome(self, session_id: str) -> Outcome | None:
        return self._ended.get(session_id)

    async def save(self, session_id: str) -> Outcome:
        recording = self._open.get(session_id)
        if recording is None:
            raise RecordingError(404, f"nobody is signing in to AuthSession {session_id!r} now")
        return await self._saved(recording)

    async def cancel(self, session_id: str) -> None:
        recording = self._open.get(session_id)
        if recording is not None:
            await self._end(recording, Outcome("cancelled", "the sign-in was cancelled"))

    async def close(self) -> None:
        for recording in list(self._open.values()):
            await self._end(recording, Outcome("cancelled", "the controller stopped"))
        for task in list(self._watchers):
            task.cancel()
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
        self._browser = self._playwright = None

    # ---------------------------------------------------------------- internals
    async def _launched(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=chromium_path(self._playwright), headless=True, args=LAUNCH_ARGS
            )
        return self._browser

    async def _watch(self, recording: Recording) -> None:
        """Saves the recording when its page reaches ``finishUrl``; closes it when idle."""
        loop = asyncio.get_running_loop()
        while recording.outcome is None:
            if recording.watched:
                recording.touched = loop.time()
            idle_for = loop.time() - recording.touched
            if recording.finished.is_set():
                await self._saved(recording)
            elif idle_for >= self._idle_s:
                minutes = self._idle_s / 60
                await self._end(recording, Outcome("idle", f"left alone for {minutes:g} min"))
            else:
                wait = min(self._idle_s - idle_for, WATCHED_RECHECK_S)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(recording.finished.wait(), wait)

    async def _saved(self, recording: Recording) -> Outcome:
        """Once per recording (the person's Save and ``finishUrl`` may come together)."""
        if recording.saving or recording.outcome is not None:
            await recording.done.wait()
            assert recording.outcome is not None
            return recording.outcome
        recording.saving = True
        try:
            state = await recording.storage_state()
        except PlaywrightError as exc:
            outcome = Outcome("failed", f"the browser state could not be read: {exc}")
        else:
            answer = await self._save(recording.session_id, state)
            outcome = Outcome("saved", "the sign-in was saved", answer)
        await self._end(recording, outcome)
        return outcome

    async def _end(self, recording: Recording, outcome: Outcome) -> None:
        if recording.outcome is not None:
            return
        self._open.pop(recording.session_id, None)
        self._ended.pop(recording.session_id, None)
        self._ended[recording.session_id] = outcome
        while len(self._ended) > KEPT_OUTCOMES:
            del self._ended[next(iter(self._ended))]
        await recording.end(outcome)
        if not self._open and self._browser is not None and not self._starting.locked():
            browser, self._browser = self._browser, None
            with contextlib.suppress(PlaywrightError):
                await browser.close()
