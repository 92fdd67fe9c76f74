"""The chaos suite, short, as part of ``make test``: real ``jobctl run`` processes and Chromium
workers, hurt, and nothing lost or duplicated. ``make chaos`` runs every scenario at full size;
here the embedded ones that no other test covers with real workers, and replicas on PostgreSQL
(``webhook-down`` shares its code with ``s3-down``; the control-plane scenarios each need a control plane of their own, and
what they found is covered by unit tests of the Lease, the launcher and the status writer)."""

from __future__ import annotations

import pytest

from tests.support.chaos import run_short


@pytest.mark.parametrize(
    "scenario",
    [
        "sigkill-jobctl-run",
        "s3-down",
        "volume-full",
        "chromium-killed",
        "failover-postgresql",
    ],
)
def test_a_fault_loses_and_duplicates_no_result(scenario: str) -> None:
    report = run_short(scenario)
    assert (report["lost"], report["duplicated_results"]) == (0, 0)


def test_a_trigger_after_a_kill_near_a_job_runs_end_sees_a_job_run_through() -> None:
    """Issue: ``make run ONCE=1`` after an interrupted run was refused (another JobRun active)
    and exited 2; it now runs a new JobRun or follows the resumed one, and exits 0."""
    report = run_short("kill-near-end-then-trigger")
    assert report["refused_triggers"] == 0, report
    assert (report["lost"], report["duplicated_results"], report["failed_runs"]) == (0, 0, 0)
