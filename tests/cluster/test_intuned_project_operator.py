"""An Intuned template project through the operator: its worker Pods run "an image that carries
the project's environment" (built by ``jobctl project install``, as ``images/worker.Dockerfile``
does; the kubelet harness runs that environment's Python for the image), and the project's
code runs unchanged: ``intuned_browser``, ``bs4``, pydantic results, the runtime API, the setup
hook."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client

from tests.support.intuned_project import write_project
from tests.support.waiting import wait_for

from ._kube import JOBCTL, add_pod_image, apply, status_of

IMAGE = "example.com/bookstore-intuned-worker:1"


@pytest.fixture(scope="module")
def intuned_project(tmp_path_factory: pytest.TempPathFactory, site: str) -> Path:
    return write_project(tmp_path_factory.mktemp("intuned"), site=site.rstrip("/"), password="-")


@pytest.fixture(scope="module")
def operator_flags(
    intuned_project: Path, cluster: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[str]:
    link = tmp_path_factory.mktemp("image") / "project-env"
    built = subprocess.run(
        [str(JOBCTL), "project", "install", str(intuned_project), "--link", str(link)],
        env={**os.environ, "JOBCTL_ENV_CACHE": str(tmp_path_factory.mktemp("envs"))},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    add_pod_image(cluster, IMAGE, link / "bin" / "python")
    return ["--project", str(intuned_project), "--pool-min", "0"]


def test_an_intuned_project_runs_unchanged_in_operator_pods(
    api: client.ApiClient, namespace: str, operator: dict[str, Any], site: str
) -> None:
    job = {
        "payload": [
            {
                "apiName": "catalogue",
                "parameters": {"url": f"{site}catalogue/category/mystery/index.html", "limit": 2},
            },
            {"apiName": "hello"},
        ],
        "worker": {"image": IMAGE},
    }
    apply(api, namespace, "Job", "books", job)
    apply(api, namespace, "JobRun", "books-1", {"jobRef": {"name": "books"}})

    def ended() -> dict[str, Any] | None:
        status = status_of(api, namespace, "jobruns", "books-1")
        return status if status.get("status") in ("COMPLETED", "FAILURE") else None

    status = wait_for(ended, 300, "the JobRun of the Intuned project to end")
    base = f"{operator['api']}/api/v1/workspace/cluster/projects/{namespace}"
    runs = httpx.get(f"{base}/job-runs/books-1/runs", timeout=10).json()["runs"]
    assert (status["status"], status["successfulRuns"], status["failedRuns"]) == (
        "COMPLETED",
        4,
        0,
    ), runs
    books = [run for run in runs if run["api"] == "book"]
    detail = httpx.get(f"{base}/job-runs/books-1/runs/{books[0]['id']}", timeout=10).json()
    result = detail["run"]["result"]
    assert set(result) == {"title", "unitPrice", "seenOn", "run"}
    assert result["run"]["setup"]["api"] == "api/book" and result["run"]["setup"]["cdp"] == "ws"
    catalogue = next(run for run in runs if run["api"] == "catalogue")
    assert catalogue["attributes"] == {"books": 2}
