"""Status writes through an apiserver restart: retried, and kept for later when the API stays
away longer than the retries, so a JobRun's final status (which no later change would write
again) still reaches its resource; the writer itself never dies of it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from urllib3.exceptions import MaxRetryError

from controller.operator import writer as writer_module
from controller.operator.writer import StatusWriter


class Custom:
    """Refuses connections for the first ``down`` calls, then takes every status patch."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.written: list[tuple[str, dict[str, Any]]] = []

    def patch_namespaced_custom_object_status(
        self, group: str, version: str, namespace: str, plural: str, name: str, body: Any
    ) -> None:
        if self.down > 0:
            self.down -= 1
            raise MaxRetryError(None, f"/{plural}/{name}/status", "connection refused")  # type: ignore[arg-type]
        self.written.append((name, body["status"]))


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "RETRY_DELAYS_S", (0.01, 0.01))
    monkeypatch.setattr(writer_module, "LATER_S", 0.05)


def test_a_final_status_survives_an_outage_longer_than_the_retries() -> None:
    custom = Custom(down=7)  # more than one round of retries (three tries each)
    said: list[str] = []

    async def scenario() -> None:
        writer = StatusWriter(custom, "ns", said.append)
        running = asyncio.create_task(writer.run())
        writer.mark("jobruns", "books-1", lambda: {"status": "COMPLETED"})
        for _ in range(100):
            if custom.written:
                break
            await asyncio.sleep(0.02)
        assert not running.done(), "the writer died"
        running.cancel()

    asyncio.run(scenario())
    assert [(name, status["status"]) for name, status in custom.written] == [
        ("books-1", "COMPLETED")
    ]
    assert any("not written yet" in line for line in said)


def test_a_field_that_became_empty_is_removed_by_the_patch() -> None:
    """A COMPLETED JobRun kept ``waitingFor: no-worker-ready`` and its old pause reason: null
    fields were dropped from a merge patch, which then left the old values in place."""
    status = {
        "status": "COMPLETED",
        "successfulRuns": 2,
        "rerunOf": {"jobRun": "jr_a", "runCount": 1},
    }
    patch = writer_module.merge_patch(writer_module.SCHEMAS["jobruns"], status)
    assert patch["waitingFor"] is None and patch["reason"] is None and patch["error"] is None
    assert patch["status"] == "COMPLETED" and patch["successfulRuns"] == 2
    assert patch["rerunOf"] == {"jobRun": "jr_a", "runCount": 1}
    job = writer_module.merge_patch(writer_module.SCHEMAS["jobs"], {"lastJobRun": {"name": "b"}})
    assert job["lastJobRun"]["endTime"] is None and job["source"] is None
