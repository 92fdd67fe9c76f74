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

from .pages import MARKED, WAIT_MS, Dashboard, JobPage, JobRunPage, JobsPage, RunPage

SHOTS = Path(__file__).resolve().parents[2] / ".cache" / "test-artifacts" / "dashboard"
JS_TOOLS = Path(__file__).resolve().parents[2] / ".cache" / "js-tools"


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


def open_job_run_from_trigger(page: Page, job_id: str, prefix: str) -> str:
    """Trigger the Job from the Jobs page, open it and its new JobRun; the JobRun's ID."""
    jobs = JobsPage(page)
    jobs.trigger(job_id)
    job = jobs.open(job_id)
    shot(page, f"{prefix}-job")
    return job.open_newest_job_run().job_run_id


def watch_until_completed(page: Page, prefix: str) -> None:
    JobRunPage(page, "").ended()
    shot(page, f"{prefix}-jobrun")


def timeline_synced_with_the_runs_table(page: Page, attempts: int) -> None:
    """Every attempt a bar; hovering a bar marks its Run's row and hovering a row marks its
    bars; zooming in narrows the time shown."""
    job_run = JobRunPage(page, "")
    expect(job_run.bars).to_have_count(attempts)
    first, second = job_run.rows.nth(0), job_run.rows.nth(1)
    job_run.bars_of(first.get_attribute("data-run")).first.hover()
    expect(first).to_have_class(MARKED)
    second.hover()
    expect(first).not_to_have_class(MARKED)
    expect(job_run.bars_of(second.get_attribute("data-run")).first).to_have_class("hl")
    before = job_run.timeline_shows.inner_text()
    job_run.zoom("in")
    expect(job_run.timeline_shows).not_to_have_text(before)
    expect(job_run.timeline_shows).to_contain_text("×2")
    job_run.zoom("out")
    expect(job_run.timeline_shows).to_contain_text("×1")


def page_through_runs(page: Page, total: int) -> set[str]:
    """Every Run ID the Runs table shows, page by page."""
    job_run = JobRunPage(page, "")
    seen: set[str] = set()
    while True:
        links = job_run.rows.locator("a")
        expect(links.first).to_be_visible()
        seen |= set(links.all_inner_texts())
        if not job_run.next_page():
            break
    assert len(seen) == total, sorted(seen)
    return seen


def open_run_with_two_attempts(page: Page, api: str, prefix: str) -> None:
    job_run = JobRunPage(page, "")
    job_run.filter(api=api)
    run = job_run.open_run()
    expect(run.outcomes).to_have_text(["failed", "succeeded"])
    shot(page, f"{prefix}-run")
    expect(run.view_log(1)).to_contain_text("RuntimeError")
    shot(page, f"{prefix}-log")


def open_trace(page: Page, prefix: str) -> None:
    """The trace viewer opens the attempt's trace from our origin and lists its actions."""
    errors: list[str] = []
    viewer = RunPage(page).open_trace()
    viewer.on("pageerror", lambda error: errors.append(str(error)))
    expect(viewer).to_have_url(re.compile(r"/trace/index\.html\?trace="))
    expect(viewer.get_by_text("Navigate").first).to_be_visible(timeout=30_000)
    shot(viewer, f"{prefix}-trace")
    assert errors == []
    viewer.close()


def rerun_one_run(page: Page, job_run_id: str, prefix: str) -> None:
    """Tick one Run of the JobRun and rerun it: a new JobRun of one item, linked to it."""
    Dashboard(page).go(f"#/job-runs/{job_run_id}")
    JobRunPage(page, job_run_id).shown().rerun_ticked()
    expect(page.get_by_text("(1 Run(s))")).to_be_visible()
    shot(page, f"{prefix}-rerun")


def pause_with_note(page: Page, job_id: str, note: str, prefix: str) -> None:
    jobs = Dashboard(page).jobs()
    jobs.pause(job_id, note)
    shot(page, f"{prefix}-paused")
    jobs.resume(job_id, note)
    expect(jobs.pausable(job_id)).to_be_visible()


def backfill_from_the_job_page(page: Page, job_id: str, hours: int, prefix: str) -> None:
    """Preview the last ``hours`` hourly ticks, queue them, and see their JobRuns listed."""
    Dashboard(page).go(f"#/jobs/{job_id}")
    job = JobPage(page, job_id).shown()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")
    end = now.strftime("%Y-%m-%dT%H:%M:%S")
    job.backfill(start, end, preview=True)
    expect(job.backfill_result.locator("tbody tr")).to_have_count(hours)
    expect(job.backfill_result).to_contain_text(f"would queue {hours} of {hours}")
    job.backfill(start, end, preview=False)
    expect(job.backfill_result).to_contain_text(f"queued {hours} of {hours}")
    shot(page, f"{prefix}-backfill")
    page.reload()
    expect(page.get_by_role("cell", name="SCHEDULED")).to_have_count(hours, timeout=WAIT_MS)


def failures_grouped_then_rerun(page: Page, job_id: str, failed: int, prefix: str) -> None:
    """On the JobRun page of a Job whose Runs all fail one way: one group with their count,
    its Runs shown by one click, and rerun after the count is shown and confirmed; the Job's
    page then lists the group and draws its charts."""
    origin = JobRunPage(page, open_job_run_from_trigger(page, job_id, f"{prefix}-failing"))
    origin.ended()
    expect(origin.failure_groups).to_have_count(1)
    expect(origin.failure_groups.first.locator("td").first).to_have_text(str(failed))
    expect(origin.failure_groups.first).to_contain_text("api-not-found")
    shot(page, f"{prefix}-failures")
    page.get_by_role("button", name="Show Runs that failed with api-not-found").click()
    expect(page.get_by_label("Error code")).to_have_value("api-not-found")
    expect(origin.rows).to_have_count(failed)
    asked = origin.ask("Rerun Runs that failed with api-not-found")
    expect(asked).to_have_text(f"Rerun {failed} Run(s) that failed with api-not-found?")
    origin.cancel()
    asked = origin.ask("Rerun every matching Run")
    expect(asked).to_have_text(f"Rerun {failed} Run(s) that match the filter?")
    origin.confirm()
    expect(page.get_by_text(f"({failed} Run(s))")).to_be_visible()
    job = JobRunPage(page, "").open_job(job_id)
    expect(job.failure_groups).to_have_count(1)  # the origin's and the rerun's failed alike
    expect(job.failure_groups.first.get_by_role("link", name=origin.job_run_id)).to_be_visible()
    expect(job.charts).to_have_count(3)  # Runs per minute, success rate, attempt durations
    expect(job.charts.locator("canvas")).to_have_count(3)
    expect(job.charts.nth(1)).to_have_attribute("aria-label", "Runs that succeeded (%)")
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
    job_run_id = open_job_run_from_trigger(page, job_id, f"{prefix}-slow")
    run = JobRunPage(page, job_run_id).open_run()
    expect(run.live_log).to_contain_text("step 1 of", timeout=WAIT_MS)
    expect(run.live_log).not_to_contain_text(f"step {steps} of")  # still running
    expect(run.live_log).to_contain_text("step 2 of")
    shot(page, f"{prefix}-live-log")
    expect(run.status).to_have_text("SUCCEEDED", timeout=WAIT_MS)
    expect(run.live_log).to_have_count(0)  # drawn again with the outcome: the attempt's log


def terminate_matching_while_it_runs(page: Page, job_id: str, prefix: str) -> None:
    """Trigger a Job of three slow Runs, one at a time; once the first runs, filter the Runs to
    the pending ones and terminate them (their count asked first): the running one goes on and
    the JobRun completes with it."""
    job_run = JobRunPage(page, open_job_run_from_trigger(page, job_id, f"{prefix}-terminate"))
    expect(job_run.rows.filter(has_text="RUNNING")).to_have_count(1, timeout=WAIT_MS)
    job_run.filter_status("PENDING")
    question = job_run.ask("Terminate every matching Run")
    expect(question).to_have_text("Terminate 2 unfinished Run(s) that match the filter?")
    shot(page, f"{prefix}-terminate-matching")
    job_run.confirm_here()
    job_run.ended("COMPLETED")
    expect(page.get_by_text("1 succeeded, 0 failed")).to_be_visible()
