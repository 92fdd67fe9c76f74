"""Liveness of the operator: the engine loop runs and every watch stream kopf needs is alive.

kopf runs each watch stream as a task named ``watcher for <plural>.<version>.<group>@<ns>``
and, when one crashes (or its CRD disappears), lets the task end without starting another: the
operator would go on running, blind to that kind of resource. Such a process must fail its
liveness probe so that Kubernetes restarts it. ``asyncio.all_tasks()`` lists running tasks only,
so the monitor remembers the watcher tasks it has seen in order to notice one that has ended;
a watcher never seen counts as missing once the operator has had ``STARTUP_GRACE_S`` to start it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

STARTUP_GRACE_S = 60.0
WATCHER_PREFIX = "watcher for "


class WatcherMonitor:
    def __init__(self, expected: Iterable[str]) -> None:
        """``expected``: resource plurals (``jobs``, ``pods``) that must be watched."""
        self.expected = tuple(expected)
        self.seen: dict[str, asyncio.Task[object]] = {}

    def problems(self, tasks: Iterable[asyncio.Task[object]], *, running_for_s: float) -> list[str]:
        """One line per watcher that has ended or never started; updates what was seen."""
        for running in tasks:
            name = running.get_name()
            if name.startswith(WATCHER_PREFIX) and not running.done():
                plural = name.removeprefix(WATCHER_PREFIX).split(".", 1)[0].split("@", 1)[0]
                self.seen[plural] = running
        problems = []
        for plural in self.expected:
            task = self.seen.get(plural)
            if task is not None and task.done():
                problems.append(f"the watch of {plural} has stopped")
            elif task is None and running_for_s > STARTUP_GRACE_S:
                problems.append(f"{plural} are not being watched")
        return problems
