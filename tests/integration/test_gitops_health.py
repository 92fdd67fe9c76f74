"""Our Argo CD health checks, Flux healthCheckExprs and kstatus conditions, judged by the
ecosystem's own libraries (``tests/support/ecosystem.py``) on the objects the real operator wrote
(the Argo CD checks' ``testdata``, captured by the cluster tier) and on every JobRun status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.engine import JobRun
from controller.operator.status import job_run_status
from controller.vocabulary import JOB_RUN_STATUSES
from tests.support.ecosystem import ARGOCD, ROOT, evaluator, statuses

TESTDATA = {
    # testdata file: (kstatus, Argo CD, Flux)
    "Job/just-created": ("InProgress", "Progressing", "InProgress"),
    "Job/valid": ("Current", "Healthy", "Current"),
    "Job/suspended": ("Current", "Suspended", "Current"),
    "Job/spec-error": ("Failed", "Degraded", "Failed"),
    "JobRun/just-created": ("InProgress", "Progressing", "InProgress"),
    "JobRun/running": ("InProgress", "Progressing", "InProgress"),
    "JobRun/paused": ("InProgress", "Suspended", "InProgress"),
    "JobRun/completed": ("Current", "Healthy", "Current"),
    "JobRun/completed-with-failed-runs": ("Current", "Healthy", "Current"),
    "JobRun/failure": ("Failed", "Degraded", "Failed"),
    "JobRun/terminated": ("Failed", "Degraded", "Failed"),
    "JobRun/canceled": ("Failed", "Degraded", "Failed"),
    "AuthSession/just-created": ("InProgress", "Progressing", "InProgress"),
    "AuthSession/valid": ("Current", "Healthy", "Current"),
    "AuthSession/spec-error": ("Failed", "Degraded", "Failed"),
}
BY_STATUS: dict[str, tuple[str, str, str]] = {
    "PENDING": ("InProgress", "Progressing", "InProgress"),
    "PAUSING": ("InProgress", "Progressing", "InProgress"),
    "PAUSED": ("InProgress", "Suspended", "InProgress"),
    "RESUMING": ("InProgress", "Progressing", "InProgress"),
    "COMPLETED": ("Current", "Healthy", "Current"),
    "FAILURE": ("Failed", "Degraded", "Failed"),
    "TERMINATED": ("Failed", "Degraded", "Failed"),
    "CANCELED": ("Failed", "Degraded", "Failed"),
}


def fixture(name: str) -> dict[str, Any]:
    kind, state = name.split("/")
    path = ARGOCD / "intuned.io" / kind / "testdata" / f"{state}.yaml"
    return dict(yaml.safe_load(path.read_text()))


def test_every_argo_cd_health_test_case_passes_in_argo_cd_s_lua_engine() -> None:
    done = subprocess.run(
        [str(evaluator()), "argocd-tests", str(ARGOCD)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    cases = sum(
        len(yaml.safe_load(p.read_text())["tests"]) for p in ARGOCD.rglob("health_test.yaml")
    )
    assert f"{cases} passed, 0 failed" in done.stdout
    assert cases == len(TESTDATA)


def test_kstatus_argo_cd_and_flux_agree_on_every_captured_state() -> None:
    names = sorted(TESTDATA)
    got = dict(zip(names, statuses([fixture(n) for n in names]), strict=True))
    assert got == TESTDATA


@pytest.mark.parametrize("status", JOB_RUN_STATUSES)
def test_every_jobrun_status_the_operator_projects_reads_right(status: str) -> None:
    job_run = JobRun(
        id="jr-1",
        job_id="daily",
        type="MANUAL",
        status=status,  # type: ignore[arg-type]
        created_at=1_000,
        snapshot={},
        concurrency=1,
        request_timeout_ms=1_000,
        payloads=3,
        successful_runs=2,
        failed_runs=1,
        end_time=None if status in ("PENDING", "PAUSING", "PAUSED", "RESUMING") else 2_000,
    )
    resource = {
        "apiVersion": "intuned.io/v1alpha1",
        "kind": "JobRun",
        "metadata": {"name": "jr-1", "generation": 2},
        "spec": {"jobRef": {"name": "daily"}},
        "status": job_run_status(job_run, None, generation=2),
    }
    stale = {**resource, "status": job_run_status(job_run, None, generation=1)}
    assert statuses([resource, stale]) == [
        BY_STATUS[status],
        ("InProgress", BY_STATUS[status][1], "InProgress"),  # generation 2 not observed yet
    ]


def test_the_argocd_cm_snippet_is_generated_from_the_lua_scripts() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "hack" / "argocd" / "argocd_cm.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    cm = yaml.safe_load((ROOT / "integrations" / "argocd" / "argocd-cm.yaml").read_text())
    for kind in ("Job", "JobRun", "AuthSession"):
        script = Path(ARGOCD / "intuned.io" / kind / "health.lua").read_text()
        assert cm["data"][f"resource.customizations.health.intuned.io_{kind}"] == script
