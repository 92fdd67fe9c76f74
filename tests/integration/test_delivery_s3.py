"""S3 sinks and results storage against a real S3-compatible server (moto) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from controller.delivery import DeliverySettings, RetryPolicy, S3Target
from controller.embedded import EmbeddedController, Settings
from tests.support.launchers import FakeLauncher
from tests.support.receivers import Receiver
from tests.support.s3 import REGION, S3Server

FAST = RetryPolicy(initial_delay_ms=50, max_delay_ms=200, horizon_ms=20_000)


def s3_sink(server: S3Server, bucket: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "s3",
        "bucket": bucket,
        "region": REGION,
        "endpoint": server.endpoint,
        "forcePathStyle": True,
        "accessKeyId": server.access_key_id,
        "secretAccessKey": server.secret_access_key,
        **extra,
    }


def controller_for(
    tmp_path: Path,
    job: dict[str, Any],
    *,
    out: io.StringIO | None = None,
    delay_s: tuple[float, float] = (0.0, 0.0),
    **settings: Any,
) -> EmbeddedController:
    """``out``: where its lines go; ``delay_s``: how long each fake attempt takes."""
    folder = tmp_path / "resources" / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo.job.json").write_text(json.dumps(job))
    delivery = DeliverySettings(policy=FAST, allow_private_targets=True)
    options = {
        "resources": tmp_path / "resources",
        "state": tmp_path / "state",
        "watch": False,
        "delivery": delivery,
        **settings,
    }
    launcher = FakeLauncher(8, delay_s=delay_s)
    return EmbeddedController(Settings(**options), launcher, out=out or io.StringIO())


def bucket_name() -> str:
    return f"b-{uuid.uuid4().hex[:12]}"


def items(count: int) -> list[dict[str, Any]]:
    return [{"apiName": "item", "parameters": {"n": n}} for n in range(count)]


def test_one_object_per_result_and_the_results_file_behind_a_presigned_url(
    tmp_path: Path, s3_server: S3Server
) -> None:
    sink_bucket, results_bucket = bucket_name(), bucket_name()
    s3 = s3_server.client()
    s3.create_bucket(Bucket=sink_bucket)
    s3.create_bucket(Bucket=results_bucket)
    with Receiver() as receiver:
        job = {
            "payload": items(5),
            "sink": s3_sink(s3_server, sink_bucket, prefix="runs/"),
            "notifications": [{"type": "webhook", "url": receiver.url("/notify")}],
        }
        target = S3Target(
            results_bucket,
            REGION,
            s3_server.endpoint,
            True,
            s3_server.access_key_id,
            s3_server.secret_access_key,
        )
        controller = controller_for(tmp_path, job, results_bucket=target, results_prefix="jobctl/")

        async def scenario() -> str:
            controller.start()
            job_run = controller.commands.trigger("demo")
            await asyncio.wait_for(controller.run(until_idle=True), 30)
            return job_run.id

        job_run_id = asyncio.run(scenario())
        link = controller.commands.results_link(job_run_id)
        controller.close()

        local = (tmp_path / "state" / "results" / "demo" / f"{job_run_id}.jsonl").read_bytes()
        objects = s3_server.objects(sink_bucket)
        lines = {json.loads(line)["apiInfo"]["runId"]: line for line in local.decode().splitlines()}
        assert objects == {
            f"runs/demo/{job_run_id}/{run_id}.json": line.encode() for run_id, line in lines.items()
        }
        assert link is not None and link.bucket == results_bucket
        assert link.key == f"jobctl/job-runs/demo/{job_run_id}/results.jsonl"
        assert httpx.get(link.signed_url).content == local
        api = link.api_object()
        assert set(api) == {"signed_url", "signed_url_expiration", "size", "key", "format"}
        assert api["size"] == len(local) and api["format"] == "jsonl"

        (note,) = receiver.on("/notify")
        aggregated = note.json()["aggregatedResults"]
        assert aggregated["bucket"] == results_bucket and aggregated["key"] == link.key
        assert httpx.get(aggregated["signedUrl"]).content == local  # uploaded before notifying


def _run_until_paused(controller: EmbeddedController) -> tuple[str, Any]:
    async def scenario() -> tuple[str, Any]:
        controller.start()
        job_run = controller.commands.trigger("demo")
        task = asyncio.create_task(controller.run())
        for _ in range(300):
            await asyncio.sleep(0.05)
            if job_run.status == "PAUSED":
                break
        controller.stop()
        await task
        return job_run.id, job_run

    return asyncio.run(scenario())


def test_a_missing_bucket_pauses_the_jobrun_and_resume_delivers_everything(
    tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = bucket_name()
    with Receiver() as receiver:
        job = {
            "payload": items(20),
            "configuration": {"maxConcurrentRequests": 1},
            "sink": s3_sink(s3_server, bucket),
            "notifications": [{"type": "webhook", "url": receiver.url("/notify")}],
        }
        controller = controller_for(tmp_path, job, delay_s=(0.05, 0.05))
        job_run_id, job_run = _run_until_paused(controller)
        assert job_run.status == "PAUSED"
        assert job_run.reason["type"] == "s3-sink-error"
        assert "NoSuchBucket" in job_run.reason["message"]
        assert job_run.successful_runs < 20
        controller.close()
        assert [n.json()["status"] for n in receiver.on("/notify")] == ["PAUSED"]
        assert receiver.on("/notify")[0].json()["summary"]["reason"]["type"] == "s3-sink-error"

        s3_server.client().create_bucket(Bucket=bucket)
        resumed = controller_for(tmp_path, job)

        async def resume() -> None:
            resumed.start()
            resumed.commands.resume("demo")
            await asyncio.wait_for(resumed.run(until_idle=True), 30)

        asyncio.run(resume())
        final = resumed.query.job_run(job_run_id)
        resumed.close()
        assert (final.status, final.successful_runs) == ("COMPLETED", 20)  # type: ignore[union-attr]
        assert len(s3_server.objects(bucket)) == 20  # nothing produced before the pause was lost
        assert [n.json()["status"] for n in receiver.on("/notify")] == ["PAUSED", "COMPLETED"]


def test_wrong_credentials_pause_the_jobrun_without_echoing_them(
    tmp_path: Path, s3_server_with_auth: S3Server
) -> None:
    bucket = bucket_name()
    s3_server_with_auth.client().create_bucket(Bucket=bucket)
    wrong = "wrong-secret-" + uuid.uuid4().hex
    job = {
        "payload": items(10),
        "configuration": {"maxConcurrentRequests": 1},
        "sink": s3_sink(s3_server_with_auth, bucket, secretAccessKey=wrong),
    }
    out = io.StringIO()
    controller = controller_for(tmp_path, job, out=out, delay_s=(0.05, 0.05))
    _, job_run = _run_until_paused(controller)
    controller.close()
    assert job_run.status == "PAUSED"
    assert job_run.reason["type"] == "s3-sink-error"
    assert "SignatureDoesNotMatch" in job_run.reason["message"]
    output = out.getvalue()
    assert "sink deliveries held: S3 SignatureDoesNotMatch" in output
    assert wrong not in output and wrong not in json.dumps(job_run.reason)
