"""The logs of attempts in flight: followed from where they are, until the attempt ends."""

from __future__ import annotations

import asyncio

from controller.delivery import live_logs
from controller.delivery.live_logs import LiveLogs


def test_a_follower_gets_the_log_so_far_then_each_piece_until_the_end() -> None:
    async def scenario() -> list[str]:
        logs = LiveLogs(redact=lambda text: text.replace("hunter2", "**********"))
        logs.append("a1", "first\n")
        got: list[str] = []

        async def follow() -> None:
            async for piece in logs.follow("a1", lambda: True):
                got.append(piece)

        task = asyncio.create_task(follow())
        await asyncio.sleep(0.01)
        logs.append("a1", "password hunter2\n")
        logs.append("a2", "another attempt's\n")
        await asyncio.sleep(0.01)
        logs.ended("a1")
        await asyncio.wait_for(task, 1)
        return got

    assert asyncio.run(scenario()) == ["first\n", "password **********\n"]


def test_following_an_attempt_that_ended_unheard_ends_when_it_is_no_longer_in_flight(
    monkeypatch,
) -> None:
    monkeypatch.setattr(live_logs, "RECHECK_S", 0.02)

    async def scenario() -> list[str]:
        logs = LiveLogs()
        return [piece async for piece in logs.follow("gone", lambda: False)]

    assert asyncio.run(asyncio.wait_for(scenario(), 1)) == []


def test_only_the_latest_attempts_and_the_end_of_each_log_are_held(monkeypatch) -> None:
    monkeypatch.setattr(live_logs, "ATTEMPTS_HELD", 2)
    monkeypatch.setattr(live_logs, "TAIL_CHARS", 5)

    async def scenario() -> list[str]:
        logs = LiveLogs()
        for attempt in ("a1", "a2", "a3"):
            logs.append(attempt, "0123456789")
        got = []
        async for piece in logs.follow("a3", lambda: False):
            got.append(piece)
            logs.ended("a3")
        return got

    assert asyncio.run(asyncio.wait_for(scenario(), 1)) == ["56789"]
