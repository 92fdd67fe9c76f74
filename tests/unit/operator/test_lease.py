"""The Lease holder rides out a short API outage and steps down after a long one (never after
``RENEW_DEADLINE_S``, so a replica that takes over ``DURATION_S`` later never overlaps it)."""

from __future__ import annotations

import asyncio
import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from controller.operator import lease as lease_module
from controller.operator.lease import Lease


class FlakyApi:
    """A Lease API that refuses connections while ``down`` and otherwise holds one Lease."""

    def __init__(self) -> None:
        self.down = False
        self.holder: str | None = None
        self.calls = 0

    def _reachable(self) -> None:
        self.calls += 1
        if self.down:
            raise ConnectionRefusedError("connection refused")

    def read_namespaced_lease(self, name: str, namespace: str, **_: Any) -> Any:
        self._reachable()
        now = datetime.datetime.now(datetime.UTC)
        return SimpleNamespace(
            spec=SimpleNamespace(holder_identity=self.holder, renew_time=now),
            metadata=SimpleNamespace(resource_version="1"),
        )

    def replace_namespaced_lease(self, name: str, namespace: str, body: Any, **_: Any) -> None:
        self._reachable()
        self.holder = body["spec"]["holderIdentity"]


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lease_module, "RENEW_S", 0.05)
    monkeypatch.setattr(lease_module, "RETRY_S", 0.02)
    monkeypatch.setattr(lease_module, "RENEW_DEADLINE_S", 0.3)


async def _hold_through(outage_s: float) -> tuple[bool, FlakyApi]:
    api = FlakyApi()
    lease = Lease(api, "ns", "jobctl")
    api.holder = lease.identity
    lost = asyncio.Event()
    keeping = asyncio.create_task(lease.keep(lost.set))
    await asyncio.sleep(0.1)
    api.down = True
    await asyncio.sleep(outage_s)
    api.down = False
    await asyncio.sleep(0.2)
    keeping.cancel()
    return lost.is_set(), api


def test_a_short_outage_keeps_the_lease() -> None:
    lost, api = asyncio.run(_hold_through(0.1))
    assert not lost and api.calls > 5


def test_a_long_outage_steps_down_within_the_renew_deadline() -> None:
    lost, _api = asyncio.run(_hold_through(0.6))
    assert lost


def test_another_holder_means_stepping_down_at_once() -> None:
    async def scenario() -> bool:
        api = FlakyApi()
        lease = Lease(api, "ns", "jobctl")
        api.holder = "someone-else"
        lost = asyncio.Event()
        keeping = asyncio.create_task(lease.keep(lost.set))
        try:  # at its first renewal, not after a lease duration (a loaded machine may be slow)
            await asyncio.wait_for(lost.wait(), timeout=3)
        finally:
            keeping.cancel()
        return lost.is_set()

    assert asyncio.run(scenario())


def test_a_released_lease_is_taken_over_at_once_and_only_its_holder_releases_it() -> None:
    api = FlakyApi()
    active, standby = Lease(api, "ns", "jobctl"), Lease(api, "ns", "jobctl")
    api.holder = active.identity
    assert not standby._try()  # renewed just now: held
    standby.release()  # not its Lease: nothing changes
    assert api.holder == active.identity
    active.release()  # a graceful stop
    assert api.holder is None
    assert standby._try() and api.holder == standby.identity
