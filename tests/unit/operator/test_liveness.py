"""The liveness monitor: a watch stream that ended, or never started, fails the probe."""

from __future__ import annotations

import asyncio

import pytest

from controller.operator.liveness import STARTUP_GRACE_S, WatcherMonitor


async def _forever() -> None:
    await asyncio.Event().wait()


def _watcher(name: str) -> asyncio.Task[object]:
    return asyncio.create_task(_forever(), name=f"watcher for {name}")


@pytest.mark.parametrize(
    ("running_for_s", "expected"),
    [(1.0, []), (STARTUP_GRACE_S + 1, ["pods are not being watched"])],
)
def test_a_missing_watcher_fails_only_after_the_startup_grace(
    running_for_s: float, expected: list[str]
) -> None:
    async def check() -> list[str]:
        jobs = _watcher("jobs.v1alpha1.intuned.io@ns")
        problems = WatcherMonitor(["jobs", "pods"]).problems([jobs], running_for_s=running_for_s)
        jobs.cancel()
        return problems

    assert asyncio.run(check()) == expected


def test_a_watcher_that_ended_fails_the_probe_even_though_running_tasks_no_longer_list_it() -> None:
    async def check() -> tuple[list[str], list[str]]:
        monitor = WatcherMonitor(["jobs", "pods"])
        jobs, pods = _watcher("jobs.v1alpha1.intuned.io@ns"), _watcher("pods.v1@ns")
        before = monitor.problems([jobs, pods], running_for_s=1)
        pods.cancel()
        await asyncio.sleep(0)
        after = monitor.problems([jobs], running_for_s=1)  # all_tasks() omits ended tasks
        jobs.cancel()
        return before, after

    assert asyncio.run(check()) == ([], ["the watch of pods has stopped"])


def test_a_restarted_watcher_counts_as_alive_again() -> None:
    async def check() -> list[str]:
        monitor = WatcherMonitor(["pods"])
        first = _watcher("pods.v1@ns")
        monitor.problems([first], running_for_s=1)
        first.cancel()
        await asyncio.sleep(0)
        second = _watcher("pods.v1@ns")
        problems = monitor.problems([second], running_for_s=1)
        second.cancel()
        return problems

    assert asyncio.run(check()) == []
