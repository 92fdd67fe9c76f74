"""The Kubernetes launcher (a Pod per attempt) when the API cannot be reached (an apiserver restarting): Pod creation
is retried while the API comes back; after ``CREATE_WINDOW_S`` the attempt ends as an
infrastructure failure to retry (before: the attempt waited out its requestTimeout as a Run
that never started, and a status write that met the outage killed the writer)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

import pytest
from urllib3.exceptions import MaxRetryError

from controller.engine import AttemptExited, AttemptRequest
from controller.launch import kube, pods
from controller.launch.kube import KubeLauncher, PodSettings


class Core:
    """Creates Pods while ``up``; otherwise every call fails as urllib3 does on a refused
    connection (after its own retries)."""

    def __init__(self, up: bool) -> None:
        self.up = up
        self.created: list[str] = []

    def _call(self, path: str) -> None:
        if not self.up:
            raise MaxRetryError(None, path, "connection refused")  # type: ignore[arg-type]

    def create_namespaced_pod(self, namespace: str, body: Any) -> None:
        self._call(f"/api/v1/namespaces/{namespace}/pods")
        self.created.append(body["metadata"]["name"])

    def delete_namespaced_pod(self, name: str, namespace: str, **_: Any) -> None:
        self._call(f"/api/v1/namespaces/{namespace}/pods/{name}")


def _request(n: int) -> AttemptRequest:
    return AttemptRequest(
        attempt_id=f"ru_a.{n}",
        job_id="j",
        job_run_id="jr_a",
        run_id="ru_a",
        attempt_number=n,
        api_name="a",
        parameters={},
        timeout_s=5,
    )


@pytest.fixture(autouse=True)
def short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pods, "CREATE_WINDOW_S", 0.5)
    monkeypatch.setattr(pods, "CREATE_RETRY_S", 0.05)


def _launcher(core: Core) -> KubeLauncher:
    return KubeLauncher(
        core,
        PodSettings(namespace="ns", callback_url="http://cb", mode="pod"),
        capacity=2,
        owner_of=lambda _r: None,
    )


async def _events_after(core: Core, action: Any) -> list[Any]:
    launcher = _launcher(core)
    await action(launcher)
    events = launcher.events()
    return [await asyncio.wait_for(anext(events), 2) for _ in range(2)]


def test_pod_creation_waits_for_the_api_to_come_back() -> None:
    core = Core(up=False)

    async def scenario() -> list[str]:
        launcher = _launcher(core)
        await launcher.start(_request(1))
        await asyncio.sleep(0.2)
        core.up = True
        await asyncio.sleep(0.3)
        assert launcher._queue.empty()  # no exit: the attempt goes on
        return core.created

    assert asyncio.run(scenario()) == [kube.pod_name(_request(1))]


def test_a_pod_that_cannot_be_created_in_the_window_is_an_attempt_exit_to_retry() -> None:
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


def test_the_pod_of_a_direct_runs_attempt_has_a_valid_name() -> None:
    """A direct JobRun's one-off Job (``run.jr_...``) is no Kubernetes name by itself."""
    request = dataclasses.replace(_request(1), job_id="run.jr_0a1b")
    name = kube.pod_name(request)
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", name)
    assert name.startswith("run-jr-0a1b-")


def test_worker_pods_get_the_projects_env_with_the_jobs_winning_by_name() -> None:
    secret = {"secretKeyRef": {"name": "project-secrets", "key": "api-key"}}
    settings = PodSettings(
        namespace="ns",
        callback_url="http://cb",
        env=({"name": "API_KEY", "valueFrom": secret}, {"name": "SITE", "value": "default"}),
    )
    job_env = [{"name": "SITE", "value": "job's"}, {"name": "JOBCTL_WORKER_TOKEN", "value": "x"}]
    pod = pods.worker_pod(
        settings,
        name="p",
        labels={},
        owner=None,
        command=["python"],
        env=[{"name": "JOBCTL_WORKER_TOKEN", "value": "operator's"}],
        worker={"env": job_env},
        resources={},
    )
    env = pod["spec"]["containers"][0]["env"]
    assert {"name": "API_KEY", "valueFrom": secret} in env
    assert [v["value"] for v in env if v["name"] == "SITE"] == ["job's"]
    assert [v["value"] for v in env if v["name"] == "JOBCTL_WORKER_TOKEN"] == ["operator's"]
