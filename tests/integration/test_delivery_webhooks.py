"""Webhook sinks and notifications against real HTTP receivers that misbehave on purpose.

The controller runs in-process (real SQLite, real clock, real HTTP) with the fake launcher, so
Runs finish at once and the tests are about delivery. Retry delays are shortened by settings.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook
from werkzeug import Response

from controller.delivery import DeliverySettings, RetryPolicy
from controller.embedded import EmbeddedController, Settings
from tests.support.launchers import FakeLauncher
from tests.support.receivers import Receiver, always, failing_first

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
FAST = RetryPolicy(initial_delay_ms=50, max_delay_ms=200, horizon_ms=20_000)


def controller_for(
    tmp_path: Path,
    jobs: dict[str, dict[str, Any]],
    *,
    out: io.StringIO | None = None,
    **delivery: Any,
) -> EmbeddedController:
    """``out``: where its lines go, for a test that reads them."""
    folder = tmp_path / "resources" / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in jobs.items():
        (folder / f"{name}.job.json").write_text(json.dumps(document))
    options = {"policy": FAST, "allow_private_targets": True, **delivery}
    settings = Settings(
        resources=tmp_path / "resources",
        state=tmp_path / "state",
        watch=False,
        delivery=DeliverySettings(**options),
    )
    return EmbeddedController(settings, FakeLauncher(8), out=out or io.StringIO())


def run_once(controller: EmbeddedController, job_id: str, timeout: float = 30) -> str:
    async def scenario() -> str:
        controller.start()
        job_run = controller.commands.trigger(job_id)
        await asyncio.wait_for(controller.run(until_idle=True), timeout)
        return job_run.id

    try:
        return asyncio.run(scenario())
    finally:
        controller.close()


def delivery_states(tmp_path: Path) -> dict[str, int]:
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        rows = db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall()
    return dict(rows)


def items(count: int) -> list[dict[str, Any]]:
    return [{"apiName": "item", "parameters": {"n": n}} for n in range(count)]


def test_results_and_notification_arrive_signed_through_503s(tmp_path: Path) -> None:
    with Receiver() as receiver:
        receiver.script("/sink", failing_first(4, 503))
        job = {
            "payload": items(6),
            "sink": {
                "type": "webhook",
                "url": receiver.url("/sink"),
                "signingSecret": SECRET,
                "headers": {"Authorization": "Bearer sink-token"},
            },
            "notifications": [{"type": "webhook", "url": receiver.url("/notify")}],
        }
        controller = controller_for(tmp_path, {"demo": job})
        job_run_id = run_once(controller, "demo")
        lines = (tmp_path / "state" / "results" / "demo" / f"{job_run_id}.jsonl").read_text()

        delivered = receiver.delivered("/sink")
        assert sorted(r.body.decode() for r in delivered) == sorted(lines.splitlines())
        verifier = Webhook(SECRET)
        for request in receiver.on("/sink"):
            verifier.verify(request.body, request.headers)  # raises if not signed right
            assert request.headers["Authorization"] == "Bearer sink-token"
            assert request.headers["Content-Type"] == "application/json"
        ids_by_body: dict[bytes, set[str]] = {}
        for request in receiver.on("/sink"):
            ids_by_body.setdefault(request.body, set()).add(request.headers["Webhook-Id"])
        assert all(len(ids) == 1 for ids in ids_by_body.values())  # retries keep their ID
        assert len(receiver.on("/sink")) == 6 + 4

        (note,) = receiver.on("/notify")
        event = note.json()
        assert (event["id"], event["jobId"], event["status"]) == (job_run_id, "demo", "COMPLETED")
        assert event["summary"] == {
            "successfulRuns": 6,
            "failedRuns": 0,
            "error": None,
            "reason": None,
        }
        results = event["aggregatedResults"]
        assert results["format"] == "jsonl" and results["size"] == len(lines.encode())
        assert Path(results["signedUrl"].removeprefix("file://")).read_text() == lines
        assert "webhook-signature" not in {k.lower() for k in note.headers}  # no secret set
        assert delivery_states(tmp_path) == {"delivered": 8}


def test_retry_after_on_429_is_honoured(tmp_path: Path) -> None:
    with Receiver() as receiver:
        receiver.script("/sink", failing_first(1, 429, **{"Retry-After": "1"}))
        job = {"payload": items(1), "sink": {"type": "webhook", "url": receiver.url("/sink")}}
        run_once(controller_for(tmp_path, {"demo": job}), "demo")
        first, second = receiver.on("/sink")
        assert (first.status, second.status) == (429, 200)
        assert second.at - first.at >= 0.95  # backoff alone would wait 25-50 ms


def test_410_stops_deliveries_to_that_url_until_the_job_changes(tmp_path: Path) -> None:
    with Receiver() as receiver:
        receiver.script("/sink", always(410))
        job = {"payload": items(5), "sink": {"type": "webhook", "url": receiver.url("/sink")}}
        out = io.StringIO()
        controller = controller_for(tmp_path, {"demo": job}, out=out, max_in_flight=1)
        run_once(controller, "demo")
        assert len(receiver.on("/sink")) == 1
        assert delivery_states(tmp_path) == {"gone": 1, "dropped": 4, "delivered": 1}  # + file
        assert "410 Gone" in out.getvalue()

        run_once(controller_for(tmp_path, {"demo": job}, max_in_flight=1), "demo")
        assert len(receiver.on("/sink")) == 1  # still gone: nothing sent

        receiver.script("/sink", always(200))
        job["sink"]["headers"] = {"x-new": "1"}  # type: ignore[index]
        job["payload"] = items(2)
        run_once(controller_for(tmp_path, {"demo": job}, max_in_flight=1), "demo")
        assert len(receiver.delivered("/sink")) == 2


def test_a_receiver_that_never_answers_is_given_up_after_the_horizon(tmp_path: Path) -> None:
    def hang(_request: Any, _n: int) -> Response:
        time.sleep(1.5)
        return Response(status=200)

    with Receiver() as receiver:
        receiver.script("/sink", hang)
        job = {"payload": items(1), "sink": {"type": "webhook", "url": receiver.url("/sink")}}
        policy = RetryPolicy(initial_delay_ms=50, max_delay_ms=100, horizon_ms=1_000)
        out = io.StringIO()
        controller = controller_for(
            tmp_path, {"demo": job}, out=out, policy=policy, webhook_timeout_s=0.3
        )
        started = time.monotonic()
        run_once(controller, "demo")
        assert time.monotonic() - started < 5
        assert delivery_states(tmp_path) == {"failed": 1, "delivered": 1}
        output = out.getvalue()
        assert "given up after" in output and "no answer within 0.3s" in output


def test_redirects_are_not_followed(tmp_path: Path) -> None:
    with Receiver() as receiver:
        receiver.script("/sink", failing_first(2, 302, Location="/elsewhere"))
        job = {"payload": items(1), "sink": {"type": "webhook", "url": receiver.url("/sink")}}
        run_once(controller_for(tmp_path, {"demo": job}), "demo")
        assert [r.status for r in receiver.on("/sink")] == [302, 302, 200]
        assert receiver.on("/elsewhere") == []


def test_private_targets_are_held_until_allowed_then_delivered(tmp_path: Path) -> None:
    with Receiver() as receiver:
        job = {
            "payload": items(3),
            "sink": {"type": "webhook", "url": receiver.url("/sink")},
            "notifications": [{"type": "webhook", "url": receiver.url("/notify")}],
        }
        out = io.StringIO()
        controller = controller_for(tmp_path, {"demo": job}, out=out, allow_private_targets=False)
        job_run_id = run_once(controller, "demo")
        assert receiver.received == []
        assert delivery_states(tmp_path) == {"held": 4, "delivered": 1}
        output = out.getvalue()
        assert "--allow-private-targets" in output and "127.0.0.1 resolves to" in output
        final = controller.query.job_run(job_run_id)
        assert final is not None and final.status == "COMPLETED"  # webhooks never pause

        async def restart() -> None:  # held deliveries are released by a restart
            again = controller_for(tmp_path, {"demo": job})
            again.start()
            await asyncio.wait_for(again.run(until_idle=True), 20)
            again.close()

        asyncio.run(restart())
        assert len(receiver.delivered("/sink")) == 3 and len(receiver.delivered("/notify")) == 1


def test_a_stop_lets_sends_under_way_finish_so_the_restart_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    """At least once is for kills; a graceful stop (SIGTERM, a rollout) records what it sent."""
    sending = threading.Event()

    def slow(_request: Any, _n: int) -> Response:
        sending.set()
        time.sleep(0.5)
        return Response(status=200)

    with Receiver() as receiver:
        receiver.script("/sink", slow)
        job = {"payload": items(4), "sink": {"type": "webhook", "url": receiver.url("/sink")}}
        controller = controller_for(tmp_path, {"demo": job})

        async def stop_while_sending() -> None:
            controller.start()
            controller.commands.trigger("demo")
            running = asyncio.create_task(controller.run())
            assert await asyncio.to_thread(sending.wait, 20), "no delivery was sent"
            controller.stop()
            await running

        asyncio.run(stop_while_sending())
        controller.close()
        assert receiver.on("/sink"), "the sends under way were cut off"

        async def restart() -> None:
            again = controller_for(tmp_path, {"demo": job})
            again.start()
            await asyncio.wait_for(again.run(until_idle=True), 20)
            again.close()

        asyncio.run(restart())
        ids = [request.headers["Webhook-Id"] for request in receiver.on("/sink")]
        assert len(ids) == 4 and len(set(ids)) == 4, f"sent twice: {ids}"


def test_a_target_that_answers_again_gets_its_backlog_at_once(tmp_path: Path) -> None:
    """Deliveries that failed while the receiver was down do not each wait out their own
    backoff once it is back: the first success makes the others due."""
    tried: set[int] = set()

    def back_after_one_second(request: Any, _n: int) -> Response:
        item = json.loads(request.get_data())["apiInfo"]["parameters"]["n"]
        first = item not in tried
        tried.add(item)
        if first:  # every first attempt fails; item 0 may come back after 1 s, the rest after 12
            return Response(status=503, headers={"Retry-After": "1" if item == 0 else "12"})
        return Response(status=200)

    with Receiver() as receiver:
        receiver.script("/sink", back_after_one_second)
        job = {"payload": items(6), "sink": {"type": "webhook", "url": receiver.url("/sink")}}
        started = time.monotonic()
        run_once(controller_for(tmp_path, {"demo": job}), "demo", timeout=60)
        assert len(receiver.delivered("/sink")) == 6
        assert time.monotonic() - started < 8  # not the 12 s the Retry-After asked for
