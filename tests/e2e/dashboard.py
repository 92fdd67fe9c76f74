"""Driving the dashboard in Debian's Chromium, as a person would: what both runtimes' dashboard
tests share. Screenshots of each page go to ``.cache/test-artifacts/dashboard/`` (not committed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from controller.worker.browser import LAUNCH_ARGS, SYSTEM_CHROMIUM

SHOTS = Path(__file__).resolve().parents[2] / ".cache" / "test-artifacts" / "dashboard"
JS_TOOLS = Path(__file__).resolve().parents[2] / ".cache" / "js-tools"
WAIT_MS = 120_000


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(SYSTEM_CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, key: str) -> None:
    page.goto(url)
    page.get_by_label("API key").fill("not-the-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not this controller's API key")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()


def job_actions(page: Page, job_id: str) -> None:
    """Open the Job's row menu on the Jobs page."""
    page.get_by_label(f"Actions for {job_id}").click()


def open_job_run_from_trigger(page: Page, job_id: str, prefix: str) -> str:
    """Trigger the Job from the Jobs page, open it and its new JobRun; the JobRun's ID."""
    job_actions(page, job_id)
    page.get_by_role("button", name=f"Trigger {job_id}").click()
    page.get_by_role("link", name=job_id, exact=True).click()
    expect(page.get_by_role("heading", name=f"Job {job_id}")).to_be_visible()
    shot(page, f"{prefix}-job")
    link = page.locator("td a[href^='#/job-runs/']").first
    job_run_id = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name=f"JobRun {job_run_id}")).to_be_visible()
    return job_run_id


def watch_until_completed(page: Page, prefix: str) -> None:
    expect(page.locator("dd .status").first).to_have_text("COMPLETED", timeout=WAIT_MS)
    shot(page, f"{prefix}-jobrun")


def timeline_synced_with_the_runs_table(page: Page, attempts: int) -> None:
    """Every attempt a bar; hovering a bar marks its Run's row and hovering a row marks its
    bars; zooming in narrows the time shown."""
    bars = page.locator("#timeline svg rect[data-run]")
    expect(bars).to_have_count(attempts)
    first_row = page.locator("#runs tbody tr").first
    run_id = first_row.get_attribute("data-run")
    page.locator(f"#timeline rect[data-run='{run_id}']").first.hover()
    expect(first_row).to_have_class(re.compile(r"\bhl\b"))
    page.locator("#runs tbody tr").nth(1).hover()
    expect(first_row).not_to_have_class(re.compile(r"\bhl\b"))
    second = page.locator("#runs tbody tr").nth(1).get_attribute("data-run")
    expect(page.locator(f"#timeline rect[data-run='{second}']").first).to_have_class("hl")
    shown = page.locator("#timeline [role=toolbar] .muted")
    before = shown.inner_text()
    page.get_by_role("button", name="Zoom in").click()
    expect(shown).not_to_have_text(before)
    expect(shown).to_contain_text("×2")
    page.get_by_role("button", name="Zoom out").click()
    expect(shown).to_contain_text("×1")


def page_through_runs(page: Page, total: int) -> set[str]:
    """Every Run ID the Runs table shows, page by page."""
    seen: set[str] = set()
    while True:
        rows = page.locator("#runs tbody tr a")
        expect(rows.first).to_be_visible()
        seen |= set(rows.all_inner_texts())
        following = page.get_by_role("button", name="Next page")
        if following.is_disabled():
            break
        caption = page.locator("#runs caption").inner_text()
        following.click()
        expect(page.locator("#runs caption")).not_to_have_text(caption)
    assert len(seen) == total, sorted(seen)
    return seen


def open_run_with_two_attempts(page: Page, api: str, prefix: str) -> None:
    page.get_by_label("API").fill(api)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#runs tbody tr td:nth-child(3)")).to_have_text([api])  # filtered
    page.locator("#runs tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Attempts")).to_be_visible()
    outcomes = page.locator("table tbody tr td:nth-child(2)")
    expect(outcomes).to_have_text(["failed", "succeeded"])
    shot(page, f"{prefix}-run")
    page.get_by_role("button", name="View log of attempt 1").click()
    expect(page.locator("#log pre")).to_contain_text("RuntimeError")
    shot(page, f"{prefix}-log")


def open_trace(page: Page, prefix: str) -> None:
    """The trace viewer opens the attempt's trace from our origin and lists its actions."""
    errors: list[str] = []
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open trace").last.click()
    viewer = opened.value
    viewer.on("pageerror", lambda error: errors.append(str(error)))
    expect(viewer).to_have_url(re.compile(r"/trace/index\.html\?trace="))
    expect(viewer.get_by_text("Navigate").first).to_be_visible(timeout=30_000)
    shot(viewer, f"{prefix}-trace")
    assert errors == []
    viewer.close()


def rerun_one_run(page: Page, job_run_id: str, prefix: str) -> None:
    """Tick one Run of the JobRun and rerun it: a new JobRun of one item, linked to it."""
    page.goto(page.url.split("#")[0] + f"#/job-runs/{job_run_id}")
    page.locator("#runs tbody input[type=checkbox]").first.check()
    page.get_by_role("button", name="Rerun selected Runs").click()
    expect(page.get_by_role("heading", name=re.compile(r"^JobRun "))).not_to_have_text(
        f"JobRun {job_run_id}"
    )
    expect(page.get_by_role("link", name=job_run_id)).to_be_visible()  # "Rerun of"
    expect(page.get_by_text("(1 Run(s))")).to_be_visible()
    shot(page, f"{prefix}-rerun")


def pause_with_note(page: Page, job_id: str, note: str, prefix: str) -> None:
    page.get_by_role("link", name="Jobs", exact=True).click()
    job_actions(page, job_id)
    page.locator(f"[id='note-{job_id}']").fill(note)
    page.get_by_role("button", name=f"Pause {job_id}").click()
    expect(page.get_by_text(note)).to_be_visible()
    shot(page, f"{prefix}-paused")
    job_actions(page, job_id)
    page.get_by_role("button", name=f"Resume {job_id}").click()
    expect(page.get_by_text(note)).to_have_count(0)  # resumed, the page drawn again
    job_actions(page, job_id)
    expect(page.get_by_role("button", name=f"Pause {job_id}")).to_be_visible()


def backfill_from_the_job_page(page: Page, job_id: str, hours: int, prefix: str) -> None:
    """Preview the last ``hours`` hourly ticks, queue them, and see their JobRuns listed."""
    page.goto(page.url.split("#")[0] + f"#/jobs/{job_id}")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")
    page.get_by_label("From").fill(start)
    page.get_by_label("To").fill(now.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Preview").click()
    rows = page.locator("#backfill-result tbody tr")
    expect(rows).to_have_count(hours)
    expect(page.locator("#backfill-result")).to_contain_text(f"would queue {hours} of {hours}")
    page.get_by_role("button", name="Backfill", exact=True).click()
    expect(page.locator("#backfill-result")).to_contain_text(f"queued {hours} of {hours}")
    shot(page, f"{prefix}-backfill")
    page.reload()
    expect(page.get_by_role("cell", name="SCHEDULED")).to_have_count(hours, timeout=WAIT_MS)


def failures_grouped_then_rerun(page: Page, job_id: str, failed: int, prefix: str) -> None:
    """On the JobRun page of a Job whose Runs all fail one way: one group with their count,
    its Runs shown by one click, and rerun after the count is shown and confirmed."""
    origin = open_job_run_from_trigger(page, job_id, f"{prefix}-failing")
    expect(page.locator("dd .status").first).to_have_text("COMPLETED", timeout=WAIT_MS)
    groups = page.locator("#failures tbody tr")
    expect(groups).to_have_count(1)
    expect(groups.first.locator("td").first).to_have_text(str(failed))
    expect(groups.first).to_contain_text("api-not-found")
    shot(page, f"{prefix}-failures")
    page.get_by_role("button", name="Show Runs that failed with api-not-found").click()
    expect(page.get_by_label("Error code")).to_have_value("api-not-found")
    expect(page.locator("#runs tbody tr")).to_have_count(failed)
    page.get_by_role("button", name="Rerun Runs that failed with api-not-found").click()
    expect(page.locator(".confirm .question")).to_have_text(
        f"Rerun {failed} Run(s) that failed with api-not-found?"
    )
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Rerun every matching Run").click()
    expect(page.locator(".confirm .question")).to_have_text(
        f"Rerun {failed} Run(s) that match the filter?"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("link", name=origin)).to_be_visible()  # "Rerun of"
    expect(page.get_by_text(f"({failed} Run(s))")).to_be_visible()
    page.get_by_role("link", name=job_id, exact=True).click()
    groups = page.locator("#job-failures tbody tr")
    expect(groups).to_have_count(1)  # the origin's and the rerun's Runs failed the same way
    expect(groups.first.get_by_role("link", name=origin)).to_be_visible()
    charts = page.locator("#job-charts figure.chart")
    expect(charts).to_have_count(3)  # Runs per minute, success rate, attempt durations
    expect(charts.locator("canvas")).to_have_count(3)
    expect(charts.nth(1)).to_have_attribute("aria-label", "Runs that succeeded (%)")
    shot(page, f"{prefix}-job-failures")


def axe_script() -> str:
    """axe-core from npm (``make test`` installs it under ``.cache/js-tools``)."""
    path = JS_TOOLS / "node_modules" / "axe-core" / "axe.min.js"
    assert path.exists(), f"{path} is missing: `make test` (or `make axe-core`) installs it"
    return path.read_text()


def accessible(page: Page, what: str) -> None:
    """axe-core's WCAG 2 A/AA rules on the page as it is: no serious or critical violation, and
    nothing wider than the window (no sideways scrolling)."""
    page.add_script_tag(content=axe_script())
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map(n => n.target).join(' ')}`)"
    )
    assert found == [], f"{what}: {found}"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{what} is {width[0]} px wide in a {width[1]} px window"


def live_log_while_it_runs(page: Page, job_id: str, steps: int, prefix: str) -> None:
    """Trigger a Job whose one Run prints a step a second, open that Run while it runs: its
    log grows in the page, and when the attempt ends the page shows its outcome."""
    open_job_run_from_trigger(page, job_id, f"{prefix}-slow")
    page.locator("#runs tbody tr a").first.click()
    live = page.locator("#live-log")
    expect(live).to_contain_text("step 1 of", timeout=WAIT_MS)
    expect(live).not_to_contain_text(f"step {steps} of")  # still running: more to come
    expect(live).to_contain_text("step 2 of")
    shot(page, f"{prefix}-live-log")
    expect(page.locator("dd .status").first).to_have_text("SUCCEEDED", timeout=WAIT_MS)
    expect(live).to_have_count(0)  # drawn again with the outcome: its log is the attempt's
