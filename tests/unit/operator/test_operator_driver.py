"""The operator's driver with fake edges: a fake clock, fake Kubernetes APIs (objects in dicts),
fake attempts, and a real SQLite store. What the cluster tier checks slowly, checked here fast:
triggers, schedule ticks, pause, terminate, delete, restart, and bounded operator state."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.engine import NotFoundError
from controller.operator.control import ResourceCatalog
from controller.operator.definitions import ResourceDefinitions
from controller.operator.mirror import Mirror
from controller.operator.operator import Operator
from controller.runtime import Commands, RuntimeSettings, assemble
from controller.server import create_app
from controller.store import open_store
from tests.support.clock import MINUTE, FakeClock
from tests.support.fake_kube import FakeCore, FakeCustomObjects
from tests.support.launchers import FakeLauncher


class Cluster:
    """The fake apiserver and the operator process, which may be restarted on the same state."""

    def __init__(self, tmp_path: Path, *, history_limit: int = 100) -> None:
        self.tmp_path, self.history_limit = tmp_path, history_limit
        self.custom, self.core, self.clock = FakeCustomObjects(), FakeCore(), FakeClock()
        self.out = io.StringIO()
        """The operator's lines."""

    def job(self, name: str, spec: dict[str, Any]) -> None:
        self.custom.add("jobs", {"metadata": {"name": name}, "spec": spec})

    async def start_operator(self) -> Operator:
        mirror = Mirror()
        definitions = ResourceDefinitions(mirror)
        settings = RuntimeSettings(state=self.tmp_path / "state", history_limit=self.history_limit)
        runtime = assemble(
            settings,
            store=open_store(self.tmp_path / "state" / "state.db"),
            launcher=FakeLauncher(4),
            definitions=definitions,
            clock=self.clock,
            out=self.out,
        )
        operator = Operator(
            runtime,
            mirror=mirror,
            definitions=definitions,
            core=self.core,
            custom=self.custom,
            namespace="ns",
        )
        await operator.list_jobs()
        runtime.start()
        await operator.sync()
        await operator.drain()
        return operator


@contextlib.asynccontextmanager
async def api_of(operator: Operator) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The operator's REST API in process, and its project's path."""
    app = create_app(
        Commands(operator.runtime, ResourceCatalog(operator)), api_key=None, metrics=lambda: b""
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        identity = operator.query.identity
        yield client, f"/api/v1/workspace/{identity.workspace_id}/projects/{identity.project_name}"


async def run_until_idle(operator: Operator) -> None:
    await operator.runtime.run(until_idle=True)
    await operator.drain()


async def tick(operator: Operator, clock: FakeClock, ms: int) -> None:
    """Let ``ms`` pass on the fake clock and make the pass the loop would make at that time."""
    clock.now += ms
    operator.runtime.change_definitions(lambda _target: None)
    await run_until_idle(operator)


def test_a_jobrun_resource_a_person_creates_runs_and_its_status_is_written(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        cluster.job("books", {"payload": [{"apiName": "a"}, {"apiName": "b"}]})
        operator = await cluster.start_operator()
        body = cluster.custom.add(
            "jobruns", {"metadata": {"name": "books-now"}, "spec": {"jobRef": {"name": "books"}}}
        )
        assert operator.job_run_created(body, last_try=False) is None
        await run_until_idle(operator)
        status = cluster.custom.status_of("jobruns", "books-now")
        assert (status["status"], status["successfulRuns"]) == ("COMPLETED", 2)
        assert cluster.custom.status_of("jobs", "books")["lastJobRun"]["name"] == "books-now"
        assert "results" in status  # stored after the JobRun ended: an event, no polling
        operator.runtime.close()

    asyncio.run(scenario())


def test_a_jobrun_resource_for_a_paused_job_is_canceled_everywhere_alike(tmp_path: Path) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        cluster.job("books", {"payload": [{"apiName": "a"}], "suspend": True})
        operator = await cluster.start_operator()
        body = cluster.custom.add(
            "jobruns", {"metadata": {"name": "books-now"}, "spec": {"jobRef": {"name": "books"}}}
        )
        problem = operator.job_run_created(body, last_try=False)
        await operator.drain()
        assert problem == "job 'books' is paused; resume it before triggering it"
        status = cluster.custom.status_of("jobruns", "books-now")
        assert (status["status"], status["reason"]["type"]) == ("CANCELED", "user-request")
        async with api_of(operator) as (client, path):
            answer = await client.get(f"{path}/jobs/books/runs/books-now")
        assert answer.status_code == 200, answer.text
        assert answer.json()["jobRun"]["status"] == "CANCELED"
        assert answer.json()["jobRun"]["reason"]["type"] == "user-request"
        operator.runtime.close()

    asyncio.run(scenario())


def test_a_jobrun_resource_for_an_unknown_job_waits_then_is_canceled(tmp_path: Path) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        operator = await cluster.start_operator()
        body = cluster.custom.add(
            "jobruns", {"metadata": {"name": "ghost-now"}, "spec": {"jobRef": {"name": "ghost"}}}
        )
        with pytest.raises(NotFoundError, match="no job 'ghost' \\(yet\\)"):
            operator.job_run_created(body, last_try=False)
        assert operator.job_run_created(body, last_try=True) == "no job 'ghost'"
        await operator.drain()
        assert cluster.custom.status_of("jobruns", "ghost-now")["status"] == "CANCELED"
        operator.runtime.close()

    asyncio.run(scenario())


def test_schedule_ticks_make_jobrun_resources_once_even_across_a_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        every_minute = {"intervals": [{"every": "1m"}]}
        cluster.job("tick", {"payload": [{"apiName": "a"}], "schedule": every_minute})
        operator = await cluster.start_operator()
        for _ in range(3):
            await tick(operator, cluster.clock, MINUTE)
        operator.runtime.close()
        operator = await cluster.start_operator()  # a restart on the same store and cluster
        await tick(operator, cluster.clock, 0)
        runs = [name for plural, name in cluster.custom.objects if plural == "jobruns"]
        assert len(runs) == 3, runs
        assert all(cluster.custom.status_of("jobruns", n)["status"] == "COMPLETED" for n in runs)
        assert len(operator.query.job_runs("tick")) == 3
        operator.runtime.close()

    asyncio.run(scenario())


def test_suspend_pauses_the_job_and_a_terminate_of_an_unknown_jobrun_is_reported(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        cluster.job("books", {"payload": [{"apiName": "a"}]})
        operator = await cluster.start_operator()
        body = cluster.custom.objects[("jobs", "books")]
        await operator.job_changed("books", {**body, "spec": {**body["spec"], "suspend": True}})
        job = operator.query.job("books")
        assert job is not None and job.paused
        ghost = {"metadata": {"name": "gone", "uid": "u-1"}, "spec": {"terminate": True}}
        operator.terminate_requested(ghost)
        await operator.drain()
        assert "TerminateFailed" in cluster.core.reasons()
        operator.runtime.close()

    asyncio.run(scenario())


def test_terminate_and_delete_end_the_active_jobrun_and_forget_the_job(tmp_path: Path) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        cluster.job("books", {"payload": [{"apiName": "a"}] * 3})
        operator = await cluster.start_operator()
        created = operator.runtime.trigger("books")  # as the REST API does
        await operator.drain()
        name = created.id.replace("_", "-")
        body = cluster.custom.objects[("jobruns", name)]
        operator.terminate_requested({**body, "spec": {**body["spec"], "terminate": True}})
        await operator.drain()
        assert cluster.custom.status_of("jobruns", name)["status"] == "TERMINATED"
        second = operator.runtime.trigger("books")
        await operator.job_deleted("books")
        await operator.drain()
        assert second.status == "TERMINATED"
        assert second.reason == {"type": "terminated", "message": "the Job was deleted"}
        assert operator.mirror.jobs == {} and operator.mirror.job_runs == {}
        assert ("jobruns", name) not in cluster.custom.objects
        operator.runtime.close()

    asyncio.run(scenario())


def test_operator_state_stays_bounded_over_a_thousand_scheduled_jobruns(tmp_path: Path) -> None:
    """Every per-object structure is back to its bounded size: the history limit's JobRuns."""

    async def scenario() -> None:
        cluster = Cluster(tmp_path, history_limit=10)
        every_minute = {"intervals": [{"every": "1m"}]}
        cluster.job("tick", {"payload": [{"apiName": "a"}], "schedule": every_minute})
        operator = await cluster.start_operator()
        for _ in range(1_000):
            await tick(operator, cluster.clock, MINUTE)
        held = {r.id for r in operator.query.job_runs()}
        assert len(held) == 10
        assert set(operator.mirror.job_runs) == held
        assert set(operator.mirror.jobs) == {"tick"}
        assert len(operator.mirror.definitions) == 1
        assert operator.writer.dirty == {}
        await operator.job_deleted("tick")
        await operator.drain()
        assert (operator.mirror.jobs, operator.mirror.job_runs) == ({}, {})
        assert operator.mirror.definitions == {} and operator.mirror.spec_problems == {}
        operator.runtime.close()

    asyncio.run(scenario())


def test_jobrun_resources_of_a_deleted_job_do_not_come_back_on_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        cluster.job("books", {"payload": [{"apiName": "a"}]})
        cluster.job("kept", {"payload": [{"apiName": "a"}]})
        operator = await cluster.start_operator()
        operator.runtime.trigger("books")
        operator.runtime.trigger("kept")
        await run_until_idle(operator)
        del cluster.custom.objects[("jobs", "books")]
        await operator.job_deleted("books")
        await operator.drain()
        operator.runtime.close()
        operator = await cluster.start_operator()  # the same store and cluster
        await run_until_idle(operator)
        owners = [
            body["spec"]["jobRef"]["name"]
            for (plural, _), body in cluster.custom.objects.items()
            if plural == "jobruns"
        ]
        assert owners == ["kept"]
        operator.runtime.close()

    asyncio.run(scenario())


def test_an_operator_starting_without_its_crds_waits_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("controller.operator.operator.CRD_WAIT_S", 0.01)

    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        cluster.job("books", {"payload": [{"apiName": "a"}]})
        cluster.custom.crds_missing = 3  # deleted, then installed again
        operator = await cluster.start_operator()
        assert operator.query.job("books") is not None
        said = cluster.out.getvalue()
        assert said.count("the CRDs or the namespace are missing") == 1
        cluster.custom.crds_missing = 1
        await operator.job_deleted("books")  # the JobRun CRD gone too: nothing to remove
        operator.runtime.close()

    asyncio.run(scenario())


def test_the_operators_api_sends_a_sign_in_to_the_cli_and_takes_its_state(
    tmp_path: Path,
) -> None:
    """The operator opens no browser (its Pod has none): a person signs in to a recorder
    AuthSession resource with ``jobctl authsessions record``, whose state the API takes."""

    async def scenario() -> None:
        cluster = Cluster(tmp_path)
        operator = await cluster.start_operator()
        spec = {"type": "recorder", "startUrl": "https://sso.example/login"}
        body = cluster.custom.add("authsessions", {"metadata": {"name": "sso"}, "spec": spec})
        await operator.auth_session_changed("sso", body)
        await operator.drain()
        async with api_of(operator) as (client, path):
            browser = await client.post(f"{path}/auth-sessions/sso/sign-in")
            state: dict[str, Any] = {"storageState": {"cookies": [], "origins": []}}
            saved = await client.post(f"{path}/auth-sessions/sso/signed-in", json=state)
            listed = await client.get(f"{path}/auth-sessions/sso")
        assert browser.status_code == 501
        assert "jobctl authsessions record" in browser.json()["message"]
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == 1
        assert listed.json() == {"id": "sso", "type": "RECORDER", "status": "READY"}
        operator.runtime.close()

    asyncio.run(scenario())
