"""A person signs in to a recorder AuthSession from the dashboard: the Job that needs it waits
paused, saying so; they open the sign-in, see the controller's browser on the demo site's
two-step sign-in, click and type into it (a password, then the code from their phone), and the
sign-in is saved at the members' page and checked; the Job, resumed, completes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.controller_process import RunningController
from tests.support.demo_site import demo_site
from tests.support.person import (
    CODE_PAGE,
    code_on_the_phone,
    controller_with_a_recorder_session,
    where_on_the_screen,
)

from .dashboard import accessible, chromium, shot, sign_in
from .pages import WAIT_MS, AuthSessionsPage, Dashboard, JobsPage

PASSWORD = "two-steps-7Z"


@pytest.fixture
def site() -> Iterator[str]:
    with demo_site(PASSWORD) as base:
        yield base


@pytest.fixture
def controller(tmp_path: Path, site: str) -> Iterator[RunningController]:
    running = controller_with_a_recorder_session(tmp_path, site)
    yield running
    running.stop()


def test_a_person_signs_in_from_the_dashboard_and_the_paused_job_completes(
    controller: RunningController, site: str
) -> None:
    password, button = where_on_the_screen(f"{site}/sso/login", "#password", "#sign-in")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, controller.url + "/", controller.api_key)
        jobs = JobsPage(page)
        jobs.trigger("sso-orders")
        expect(page.get_by_text("a person must sign in again")).to_be_visible(timeout=WAIT_MS)
        shot(page, "sign-in-job-paused")

        Dashboard(page).auth_sessions()
        sessions = AuthSessionsPage(page)
        expect(sessions.row("member-sso")).to_contain_text("signed in by a person")
        expect(sessions.row("member-sso")).to_contain_text("a person must sign in")
        accessible(page, "the AuthSessions page with a recorder session")
        signing = sessions.sign_in_to("member-sso")
        accessible(page, "the sign-in page")
        shot(page, "sign-in-screen")

        signing.type("reader")  # the site puts the focus on its username field
        signing.click(*password)
        signing.type(PASSWORD)
        signing.click(*button)
        expect(signing.address).to_contain_text(CODE_PAGE)
        signing.type(code_on_the_phone(site))
        signing.press("Enter")
        signing.saved()
        shot(page, "sign-in-saved")

        Dashboard(page).auth_sessions()
        expect(sessions.row("member-sso")).to_contain_text("READY")
        expect(page.get_by_role("link", name="Sign in again to member-sso")).to_be_visible()
        jobs = Dashboard(page).jobs()
        jobs.menu("sso-orders")
        page.get_by_role("button", name="Resume sso-orders").click()
        job = jobs.open("sso-orders")
        job.open_newest_job_run().ended("COMPLETED")
        shot(page, "sign-in-job-completed")
