"""Page objects of the dashboard: what a person finds on each page (by role and label, as a
screen reader would) and what they do there. Locators are the page's; every wait is a web-first
assertion (``expect``), never a sleep. The flows of ``dashboard.py`` are written with them."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

WAIT_MS = 120_000
"""Long enough for a JobRun of the demo (a cold browser, retries) on a loaded machine."""
MARKED = re.compile(r"\bhl\b")


class Dashboard:
    """What every page has: the navigation."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def jobs(self) -> JobsPage:
        self.page.get_by_role("link", name="Jobs", exact=True).click()
        return JobsPage(self.page).shown()

    def auth_sessions(self) -> Locator:
        self.page.get_by_role("link", name="AuthSessions", exact=True).click()
        heading = self.page.get_by_role("heading", name="AuthSessions")
        expect(heading).to_be_visible()
        return heading

    def go(self, fragment: str) -> None:
        """Straight to a page by its address (``#/...``), as a bookmark would."""
        self.page.goto(self.page.url.split("#")[0] + fragment)


class JobsPage(Dashboard):
    def shown(self) -> JobsPage:
        expect(self.page.get_by_role("heading", name="Jobs")).to_be_visible()
        return self

    def menu(self, job_id: str) -> None:
        """Open the Job's row menu (its actions)."""
        self.page.get_by_label(f"Actions for {job_id}").click()

    def trigger(self, job_id: str) -> None:
        self.menu(job_id)
        self.page.get_by_role("button", name=f"Trigger {job_id}").click()

    def pause(self, job_id: str, note: str) -> None:
        self.menu(job_id)
        self.page.locator(f"[id='note-{job_id}']").fill(note)
        self.page.get_by_role("button", name=f"Pause {job_id}").click()
        expect(self.page.get_by_text(note)).to_be_visible()

    def resume(self, job_id: str, note: str) -> None:
        self.menu(job_id)
        self.page.get_by_role("button", name=f"Resume {job_id}").click()
        expect(self.page.get_by_text(note)).to_have_count(0)  # resumed, the page drawn again

    def pausable(self, job_id: str) -> Locator:
        self.menu(job_id)
        return self.page.get_by_role("button", name=f"Pause {job_id}")

    def open(self, job_id: str) -> JobPage:
        self.page.get_by_role("link", name=job_id, exact=True).click()
        return JobPage(self.page, job_id).shown()


class JobPage(Dashboard):
    def __init__(self, page: Page, job_id: str) -> None:
        super().__init__(page)
        self.job_id = job_id
        self.failure_groups = page.locator("#job-failures tbody tr")
        self.charts = page.locator("#job-charts figure.chart")
        self.backfill_result = page.locator("#backfill-result")

    def shown(self) -> JobPage:
        expect(self.page.get_by_role("heading", name=f"Job {self.job_id}")).to_be_visible()
        return self

    def open_newest_job_run(self) -> JobRunPage:
        link = self.page.locator("td a[href^='#/job-runs/']").first
        job_run_id = link.inner_text()
        link.click()
        return JobRunPage(self.page, job_run_id).shown()

    def backfill(self, start: str, end: str, *, preview: bool) -> None:
        self.page.get_by_label("From").fill(start)
        self.page.get_by_label("To").fill(end)
        name = "Preview" if preview else "Backfill"
        self.page.get_by_role("button", name=name, exact=True).click()


class JobRunPage(Dashboard):
    def __init__(self, page: Page, job_run_id: str) -> None:
        super().__init__(page)
        self.job_run_id = job_run_id
        self.status = page.locator("dd .status").first
        self.rows = page.locator("#runs tbody tr")
        self.caption = page.locator("#runs caption")
        self.bars = page.locator("#timeline svg rect[data-run]")
        self.timeline_shows = page.locator("#timeline [role=toolbar] .muted")
        self.failure_groups = page.locator("#failures tbody tr")
        self.question = page.locator(".confirm .question")

    def shown(self) -> JobRunPage:
        heading = self.page.get_by_role("heading", name=f"JobRun {self.job_run_id}")
        expect(heading).to_be_visible()
        return self

    def ended(self, status: str = "COMPLETED") -> JobRunPage:
        expect(self.status).to_have_text(status, timeout=WAIT_MS)
        return self

    def bars_of(self, run_id: str | None) -> Locator:
        return self.page.locator(f"#timeline rect[data-run='{run_id}']")

    def zoom(self, way: str) -> None:
        self.page.get_by_role("button", name=f"Zoom {way}").click()

    def filter(self, *, api: str) -> None:
        self.page.get_by_label("API").fill(api)
        self.page.get_by_role("button", name="Filter").click()
        expect(self.rows.locator("td:nth-child(3)")).to_have_text([api])  # filtered

    def filter_status(self, status: str) -> None:
        self.page.get_by_label("Status").select_option(status)
        self.page.get_by_role("button", name="Filter").click()
        shown = self.rows.locator("td .status")
        expect(shown.filter(has_not_text=status)).to_have_count(0)  # the filtered table is in
        expect(shown.first).to_have_text(status)

    def confirm_here(self) -> None:
        """A bulk action that stays on this JobRun (a terminate): the page is drawn again."""
        self.page.get_by_role("button", name="Confirm").click()
        expect(self.question).to_have_count(0)

    def next_page(self) -> bool:
        """To the next page of Runs (False: this is the last)."""
        following = self.page.get_by_role("button", name="Next page")
        if following.is_disabled():
            return False
        caption = self.caption.inner_text()
        following.click()
        expect(self.caption).not_to_have_text(caption)
        return True

    def open_run(self, index: int = 0) -> RunPage:
        self.rows.nth(index).locator("a").first.click()
        return RunPage(self.page).shown()

    def rerun_ticked(self, index: int = 0) -> JobRunPage:
        self.rows.nth(index).locator("input[type=checkbox]").check()
        self.page.get_by_role("button", name="Rerun selected Runs").click()
        return self.rerun_made()

    def ask(self, label: str) -> Locator:
        """A bulk action's first step: the question with its count."""
        self.page.get_by_role("button", name=label).click()
        return self.question

    def cancel(self) -> None:
        self.page.get_by_role("button", name="Cancel").click()

    def confirm(self) -> JobRunPage:
        self.page.get_by_role("button", name="Confirm").click()
        return self.rerun_made()

    def rerun_made(self) -> JobRunPage:
        """The new JobRun's page, linked to this one (``Rerun of``)."""
        heading = self.page.get_by_role("heading", name=re.compile(r"^JobRun "))
        expect(heading).not_to_have_text(f"JobRun {self.job_run_id}")
        expect(self.page.get_by_role("link", name=self.job_run_id)).to_be_visible()
        return JobRunPage(self.page, heading.inner_text().removeprefix("JobRun "))

    def open_job(self, job_id: str) -> JobPage:
        self.page.get_by_role("link", name=job_id, exact=True).click()
        return JobPage(self.page, job_id).shown()


class RunPage(Dashboard):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.status = page.locator("dd .status").first
        self.outcomes = page.locator("table tbody tr td:nth-child(2)")
        self.log = page.locator("#log pre")
        self.live_log = page.locator("#live-log")

    def shown(self) -> RunPage:
        expect(self.page.get_by_role("heading", name=re.compile(r"^Run "))).to_be_visible()
        return self

    def view_log(self, attempt: int) -> Locator:
        self.page.get_by_role("button", name=f"View log of attempt {attempt}").click()
        return self.log

    def open_trace(self) -> Page:
        """The trace viewer, opened in a tab of its own on the last attempt's trace."""
        with self.page.context.expect_page() as opened:
            self.page.get_by_role("link", name="Open trace").last.click()
        return opened.value


class AuthSessionsPage(Dashboard):
    def shown(self) -> AuthSessionsPage:
        expect(self.page.get_by_role("heading", name="AuthSessions")).to_be_visible()
        return self

    def row(self, session_id: str) -> Locator:
        return self.page.locator("tbody tr").filter(has_text=session_id)

    def sign_in_to(self, session_id: str) -> SignInPage:
        self.page.get_by_role("link", name=f"Sign in to {session_id}").click()
        return SignInPage(self.page, session_id).shown()


class SignInPage(Dashboard):
    """The controller's browser, as a picture the person clicks and types into."""

    def __init__(self, page: Page, session_id: str) -> None:
        super().__init__(page)
        self.session_id = session_id
        self.screen = page.get_by_role("img", name=f"The sign-in page of AuthSession {session_id}")
        self.outcome = page.locator("#sign-in-outcome")
        self.address = page.locator("#sign-in-address")

    def shown(self) -> SignInPage:
        heading = self.page.get_by_role("heading", name=f"Sign in to {self.session_id}")
        expect(heading).to_be_visible()
        expect(self.screen).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
        return self

    def click(self, x: float, y: float) -> None:
        """A click where the recorded page has (x, y) in its CSS pixels (1280 wide)."""
        box = self.screen.bounding_box()
        assert box is not None
        scale = box["width"] / 1280
        self.page.mouse.click(box["x"] + x * scale, box["y"] + y * scale)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def saved(self) -> None:
        expect(self.outcome).to_contain_text("check.py found the sign-in valid", timeout=WAIT_MS)
