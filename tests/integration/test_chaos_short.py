"""The chaos suite's embedded scenarios, short: real ``jobctl run`` processes and Chromium
workers, hurt, and nothing lost or duplicated (the full sizes run in ``make chaos``)."""

from __future__ import annotations

import pytest

from tests.support.chaos import run_short

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "scenario",
    ["sigkill-jobctl-run", "webhook-down", "s3-down", "volume-full", "chromium-killed"],
)
def test_a_fault_loses_and_duplicates_no_result(scenario: str) -> None:
    report = run_short(scenario)
    assert (report["lost"], report["duplicated_results"]) == (0, 0)
