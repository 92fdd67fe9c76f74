"""The chaos suite's control-plane scenarios, short: kube-apiserver and etcd killed and started
again under a JobRun, each on a control plane of its own (the full sizes run in
``make chaos``; the operator's own SIGKILL is tested in ``test_operator.py``)."""

from __future__ import annotations

import pytest

from tests.support.chaos import run_short

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("scenario", ["apiserver-restart", "etcd-restart"])
def test_the_operator_finishes_a_jobrun_across_a_restart_of(scenario: str) -> None:
    report = run_short(scenario)
    assert (report["lost"], report["duplicated_results"]) == (0, 0)
