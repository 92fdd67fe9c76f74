"""Attempts' traces and logs in a bucket: real Chromium workers upload them with presigned URLs
(no bucket credentials reach them), the controller's links redirect to the bucket, and a pruned
JobRun's artifacts leave the bucket with it."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.controller_process import RunningController, start_controller
from tests.support.s3 import REGION, S3Server

GREET = """
async def automation(page, params, **_kwargs):
    print("hello from attempt", params["n"])
    await page.set_content("<h1>hi</h1>")
    return {"n": params["n"]}
"""


@pytest.fixture
def bucket_controller(
    tmp_path: Path, s3_server: S3Server
) -> Iterator[tuple[RunningController, str]]:
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    (tmp_path / "project" / "api").mkdir(parents=True)
    (tmp_path / "project" / "api" / "greet.py").write_text(GREET)
    job = {
        "payload": [{"apiName": "greet", "parameters": {"n": n}} for n in range(2)],
        "configuration": {"trace": "on"},
    }
    credentials = {
        "AWS_ACCESS_KEY_ID": s3_server.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_access_key,
    }
    options = (
        "--results-bucket",
        bucket,
        "--results-endpoint",
        s3_server.endpoint,
        "--results-region",
        REGION,
        "--results-force-path-style",
        "--history-limit",
        "1",
    )
    controller = start_controller(
        tmp_path, {"greet": job}, project=tmp_path / "project", env=credentials, options=options
    )
    yield controller, bucket
    controller.stop()


def finished_job_run(http: httpx.Client, base: str) -> str:
    job_run_id = str(http.post(f"{base}/jobs/greet/trigger").json()["jobRunId"])
    for _ in range(600):
        if http.get(f"{base}/job-runs/{job_run_id}").json()["jobRun"]["status"] == "COMPLETED":
            return job_run_id
        time.sleep(0.1)
    raise AssertionError(f"JobRun {job_run_id} did not complete")


def attempts(http: httpx.Client, base: str, job_run_id: str) -> list[dict[str, Any]]:
    runs = http.get(f"{base}/job-runs/{job_run_id}/runs").json()["runs"]
    found = []
    for run in runs:
        found += http.get(f"{base}/job-runs/{job_run_id}/runs/{run['id']}").json()["attempts"]
    return found


def test_artifacts_live_in_the_bucket_behind_the_controllers_own_links(
    tmp_path: Path, s3_server: S3Server, bucket_controller: tuple[RunningController, str]
) -> None:
    controller, bucket = bucket_controller
    with controller.client() as http:
        first = finished_job_run(http, controller.base)
        kept = attempts(http, controller.base, first)
        assert len(kept) == 2
        for attempt in kept:
            for link in (attempt["logUrl"], attempt["traceUrl"]):
                assert link.startswith(f"{controller.url}/artifacts/{first}/{attempt['id']}/")
                assert httpx.get(link).status_code == 401  # authenticated like the API
                answer = http.get(link)
                assert answer.status_code == 307
                assert answer.headers["location"].startswith(f"{s3_server.endpoint}/{bucket}/")
            log = httpx.get(http.get(attempt["logUrl"]).headers["location"]).text
            assert "hello from attempt" in log
            trace = httpx.get(http.get(attempt["traceUrl"]).headers["location"]).content
            assert "trace.trace" in zipfile.ZipFile(io.BytesIO(trace)).namelist()
        expected = {
            f"artifacts/{first}/{a['id']}/{name}" for a in kept for name in ("trace.zip", "log.txt")
        }
        assert s3_server.keys(bucket) >= expected
        here = tmp_path / "state" / "attempts" / first
        assert not [path for path in here.rglob("*") if path.is_file()]  # uploaded, not kept

        second = finished_job_run(http, controller.base)  # --history-limit 1 prunes the first
        for _ in range(100):
            keys = s3_server.keys(bucket)
            if not keys & expected:
                break
            time.sleep(0.1)
        assert not keys & expected
        assert any(key.startswith(f"artifacts/{second}/") for key in keys)
