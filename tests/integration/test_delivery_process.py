"""Delivery through ``jobctl run`` processes: SIGKILL mid-delivery, and secrets never leaking."""

from __future__ import annotations

import base64
import json
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from werkzeug import Response

from tests.support.receivers import Receiver, always
from tests.support.s3 import REGION, S3Server

from .conftest import JOBCTL, jobctl_env

FAKE = "tests.support.launchers:create"


def write_jobs(root: Path, jobs: dict[str, dict[str, Any]]) -> None:
    folder = root / "resources" / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in jobs.items():
        (folder / f"{name}.job.json").write_text(json.dumps(document))


def run_args(root: Path, *extra: str) -> list[str]:
    return [
        str(JOBCTL),
        "run",
        "--resources",
        str(root / "resources"),
        "--state",
        str(root / "state"),
        "--launcher",
        FAKE,
        "--allow-private-targets",
        "--delivery-initial-delay",
        "50ms",
        *extra,
    ]


def test_sigkill_while_deliveries_are_in_flight_loses_no_result(tmp_path: Path) -> None:
    rng = random.Random(11)

    def slow_and_flaky(_request: Any, n: int) -> Response:
        time.sleep(rng.uniform(0.01, 0.08))
        return Response(status=503 if n % 7 == 3 else 200)

    with Receiver() as receiver:
        receiver.script("/sink", slow_and_flaky)
        job = {
            "payload": [{"apiName": "echo", "parameters": {"n": n}} for n in range(80)],
            "configuration": {"maxConcurrentRequests": 8},
            "sink": {"type": "webhook", "url": receiver.url("/sink")},
            "notifications": [{"type": "webhook", "url": receiver.url("/notify")}],
        }
        write_jobs(tmp_path, {"bulk": job})
        env = jobctl_env(JOBCTL_FAKE_DELAY="0.01,0.05")
        args = run_args(tmp_path, "--trigger", "bulk", "--until-idle")
        kills = 0
        while kills < 6:
            process = subprocess.Popen(
                args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            target = len(receiver.on("/sink")) + rng.randint(6, 14)
            deadline = time.monotonic() + 30
            while len(receiver.on("/sink")) < target and process.poll() is None:
                assert time.monotonic() < deadline, "no delivery progress"
                time.sleep(0.005)
            if process.poll() is not None:
                break
            process.send_signal(signal.SIGKILL)  # requests are in flight right now
            process.wait()
            kills += 1
            args = run_args(tmp_path, "--until-idle")
        final = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert final.returncode == 0, final.stdout[-2000:] + final.stderr
        assert kills >= 4, f"deliveries finished after only {kills} kills"

        (results_file,) = (tmp_path / "state" / "results" / "bulk").glob("*.jsonl")
        lines = results_file.read_text().splitlines()
        assert len(lines) == 80
        delivered = {r.body.decode() for r in receiver.delivered("/sink")}
        assert set(lines) <= delivered, f"{len(set(lines) - delivered)} results never arrived"
        ids: dict[bytes, set[str]] = {}
        for request in receiver.on("/sink"):
            ids.setdefault(request.body, set()).add(request.headers["Webhook-Id"])
        assert all(len(found) == 1 for found in ids.values())  # duplicates share their ID
        assert [n.json()["status"] for n in receiver.delivered("/notify")][:1] == ["COMPLETED"]


CANARY = "c4n4ry7Q"


def _canary_jobs(receiver: Receiver, s3: S3Server) -> dict[str, dict[str, Any]]:
    signing = "whsec_" + base64.b64encode(f"{CANARY}-signing-key-material!".encode()).decode()
    return {
        "hooks": {
            "payload": [{"apiName": "echo", "parameters": {"n": n}} for n in range(3)],
            "configuration": {"proxy": f"http://user:{CANARY}-proxy@127.0.0.1:9/"},
            "sink": {
                "type": "webhook",
                "url": receiver.url("/sink"),
                "signingSecret": signing,
                "headers": {"Authorization": f"Bearer {CANARY}-sink"},
            },
            "notifications": [
                {
                    "type": "webhook",
                    "url": receiver.url("/notify"),
                    "headers": {"x-token": f"{CANARY}-note"},
                },
                {
                    "type": "webhook",
                    "url": receiver.url("/broken"),
                    "headers": {"x-token": f"{CANARY}-broken"},
                },
            ],
        },
        "bucket": {
            "payload": [{"apiName": "echo"}],
            "sink": {
                "type": "s3",
                "bucket": "canary-bucket",
                "region": REGION,
                "endpoint": s3.endpoint,
                "forcePathStyle": True,
                "accessKeyId": f"AKIA{CANARY}ID",
                "secretAccessKey": f"{CANARY}-key",
            },
        },
    }


def test_a_canary_in_every_secret_field_never_appears_in_output_state_or_results(
    tmp_path: Path, s3_server_with_auth: S3Server
) -> None:
    with Receiver() as receiver:
        receiver.script("/broken", always(500))
        write_jobs(tmp_path, _canary_jobs(receiver, s3_server_with_auth))
        log = tmp_path / "controller.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                run_args(tmp_path, "--trigger", "hooks", "--delivery-horizon", "2s"),
                env=jobctl_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 30
                while "given up" not in log.read_text() or not receiver.delivered("/notify"):
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.05)
                bucket_args = [
                    *run_args(tmp_path, "--trigger", "bucket", "--until-idle"),
                    "--state",
                    str(tmp_path / "state2"),
                ]  # the last --state wins
                subprocess.run(
                    bucket_args,
                    env=jobctl_env(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=60,
                    check=False,
                )
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(20)
        validate = subprocess.run(
            [str(JOBCTL), "validate", "--json", str(tmp_path / "resources")],
            capture_output=True,
            text=True,
            check=False,
        )

        # The secrets were really used: the receiver got the headers it was meant to get.
        assert receiver.delivered("/sink")[0].headers["Authorization"] == f"Bearer {CANARY}-sink"
        assert receiver.delivered("/notify")[0].headers["X-Token"] == f"{CANARY}-note"

        text = log.read_text()
        assert "bucket: sink deliveries held: S3 InvalidAccessKeyId" in text, text[-3000:]
        assert "given up after" in text and "HTTP 500" in text
        leaks = [
            ("controller output", text),
            ("validate --json", validate.stdout + validate.stderr),
        ]
        for folder in ("state", "state2"):
            for path in (tmp_path / folder).rglob("*"):
                if path.is_file():
                    leaks.append((str(path), path.read_bytes().decode("latin-1")))
        for where, content in leaks:
            assert CANARY not in content, f"the canary leaked into {where}"
            assert base64.b64encode(CANARY.encode()).decode()[:8] not in content, where
