"""The Kubernetes launcher when the API cannot be reached (an apiserver restarting): the attempt
whose Pod could not be created ends at once as an infrastructure failure, to be retried, instead
of waiting out its requestTimeout as a Run that never started."""

from __future__ import annotations

import asyncio
from typing import Any

from urllib3.exceptions import MaxRetryError

from controller.engine import AttemptExited, AttemptRequest
from controller.launch.kube import KubeLauncher, PodSettings


class Core:
    """Creates Pods while ``up``; otherwise every call fails as urllib3 does on a refused
    connection (after its own retries)."""

    def __init__(self, up: bool) -> None:
        self.up = up

    def _call(self, path: str) -> None:
        if not self.up:
            raise MaxRetryError(None, path, "connection refused")  # type: ignore[arg-type]

    def create_namespaced_pod(self, namespace: str, body: Any) -> None:
        self._call(f"/api/v1/namespaces/{namespace}/pods")

    def delete_namespaced_pod(self, name: str, namespace: str, **_: Any) -> None:
        self._call(f"/api/v1/namespaces/{namespace}/pods/{name}")


def _request(n: int) -> AttemptRequest:
    return AttemptRequest(attempt_id=f"ru_a.{n}", job_id="j", job_run_id="jr_a", run_id="ru_a",
                          attempt_number=n, api_name="a", parameters={}, timeout_s=5)  # fmt: skip


async def _events_after(core: Core, action: Any) -> list[Any]:
    launcher = KubeLauncher(core, PodSettings(namespace="ns", callback_url="http://cb"),
                            capacity=2, owner_of=lambda _r: None)  # fmt: skip
    await action(launcher)
    events = launcher.events()
    return [await asyncio.wait_for(anext(events), 1) for _ in range(2)]


def test_a_pod_that_cannot_be_created_is_an_attempt_exit_to_retry() -> None:
    async def start_two(launcher: KubeLauncher) -> None:
        for n in (1, 2):
            await launcher.start(_request(n))

    events = asyncio.run(_events_after(Core(up=False), start_two))
    assert events == [AttemptExited("ru_a.1", None), AttemptExited("ru_a.2", None)]


def test_a_cancel_ends_its_attempt_even_when_the_pod_cannot_be_deleted() -> None:
    core = Core(up=True)

    async def start_then_cancel(launcher: KubeLauncher) -> None:
        for n in (1, 2):
            await launcher.start(_request(n))
        core.up = False
        for n in (1, 2):
            await launcher.cancel(f"ru_a.{n}")

    events = asyncio.run(_events_after(core, start_then_cancel))
    assert events == [AttemptExited("ru_a.1", None), AttemptExited("ru_a.2", None)]
