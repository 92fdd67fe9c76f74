"""Uploaded results (over the inline size) through every way out: results line, webhook sink,
the Runs API (preview and whole) and Intuned's ``run/{runId}/result``, from real Chromium
workers, each the whole text the automation returned."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.controller_process import start_controller
from tests.support.receivers import Receiver, always

SIZED = """
async def automation(page, params, **_kwargs):
    return {"text": "\\u00e9" * params["accents"] + "x" * params["letters"]}
"""
LETTERS = 3 * 1024 * 1024


def wait_for(http: httpx.Client, url: str, done: Any) -> dict[str, Any]:
    for _ in range(600):
        body: dict[str, Any] = http.get(url).json()
        if done(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{url} did not finish: {body}")


def test_an_uploaded_result_arrives_whole_through_the_line_the_sink_and_both_apis(
    tmp_path: Path,
) -> None:
    (tmp_path / "project" / "api").mkdir(parents=True)
    (tmp_path / "project" / "api" / "sized.py").write_text(SIZED)
    expected = "é" * 7 + "x" * LETTERS
    with Receiver() as receiver:
        receiver.script("/sink", always(200))
        job = {
            "payload": [
                {"apiName": "sized", "parameters": {"accents": 7, "letters": LETTERS}},
                {"apiName": "sized", "parameters": {"accents": 1, "letters": 1}},
            ],
            "sink": {"type": "webhook", "url": receiver.url("/sink")},
        }
        controller = start_controller(
            tmp_path,
            {"sized": job},
            project=tmp_path / "project",
            options=("--allow-private-targets",),
        )
        try:
            with controller.client() as http:
                base = controller.base
                job_run_id = http.post(f"{base}/jobs/sized/trigger").json()["jobRunId"]
                wait_for(
                    http,
                    f"{base}/job-runs/{job_run_id}",
                    lambda body: body["jobRun"]["status"] == "COMPLETED",
                )
                runs = http.get(f"{base}/job-runs/{job_run_id}/runs").json()["runs"]
                large, small = sorted(runs, key=lambda run: -run["parameters"]["letters"])
                assert large["resultPreview"].startswith('{"text":"ééééééé')
                assert large["resultPreview"].endswith("…") and len(large["resultPreview"]) == 201
                assert small["resultPreview"] == '{"text":"éx"}'
                detail = http.get(f"{base}/job-runs/{job_run_id}/runs/{large['id']}").json()
                assert detail["run"]["result"] == {"text": expected}
                assert detail["attempts"][0]["outcome"] == "succeeded"

                started = http.post(
                    f"{base}/run/start",
                    json={"api": "sized", "parameters": {"accents": 7, "letters": LETTERS}},
                ).json()
                direct = wait_for(
                    http,
                    f"{base}/run/{started['runId']}/result",
                    lambda body: body["status"] not in ("pending", "started"),
                )
                assert direct["status"] == "completed" and direct["result"] == {"text": expected}
            for _ in range(100):
                if len(receiver.on("/sink")) >= 2:
                    break
                time.sleep(0.1)
            sent = [request.json()["apiInfo"]["result"] for request in receiver.on("/sink")]
            assert sorted(sent, key=lambda result: len(result["text"])) == [
                {"text": "éx"},
                {"text": expected},
            ]
        finally:
            controller.stop()
