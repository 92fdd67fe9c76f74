"""Worker pools' bookkeeping, with a fake Kubernetes API and clock: how many Pods a pool wants,
which Pod gets an attempt, what a dead Pod's attempts become, when an idle Pod may go, and what
a poll is answered after a lost answer or an operator restart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import pytest

from controller.engine import AttemptRequest
from controller.launch import pool as pool_module
from controller.launch.pods import PoolSettings
from controller.launch.pool import WorkerPools, pool_key, pool_pod_name

TEMPLATE = {"image": "worker:1", "env": []}
KEY = pool_key(TEMPLATE)


class Core:
    def __init__(self) -> None:
        self.created: list[str] = []
        self.deleted: list[str] = []

    def create_namespaced_pod(self, namespace: str, body: dict[str, Any]) -> None:
        self.created.append(body["metadata"]["name"])

    def delete_namespaced_pod(self, name: str, namespace: str, **_: Any) -> None:
        self.deleted.append(name)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def short_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "PULL_WAIT_S", 0.05)


def _request(n: int) -> AttemptRequest:
    return AttemptRequest(
        attempt_id=f"ru_{n}.1",
        job_id="j",
        job_run_id="jr_a",
        run_id=f"ru_{n}",
        attempt_number=1,
        api_name="a",
        parameters={},
        timeout_s=5,
    )


Scenario = Callable[[WorkerPools, Core, Clock, list[tuple[str, int | None]]], Awaitable[Any]]


def _run(scenario: Scenario, resumed: list[str] | None = None, **settings: Any) -> Any:
    core, clock, lost = Core(), Clock(), []

    async def main() -> Any:
        pools = WorkerPools(
            core,
            "ns",
            PoolSettings(**{"attempts_per_pod": 2, "idle_timeout_s": 60, "minimum": 0, **settings}),
            key=b"k" * 32,
            manifest=lambda name, key, template, token: {"metadata": {"name": name}},
            command=asdict,
            lost=lambda attempt_id, code: lost.append((attempt_id, code)),
            resumed=(resumed if resumed is not None else []).append,
            say=lambda _text: None,
            clock=clock,
        )
        result = await scenario(pools, core, clock, lost)
        pools.close()
        return result

    return asyncio.run(main())


async def _poll(pools: WorkerPools, index: int, **body: Any) -> dict[str, Any] | None:
    name = pool_pod_name(KEY, index)
    return await pools.pull(pools.token_for(name), {"pod": name, "pool": KEY, **body})


def _started(answer: dict[str, Any] | None) -> list[str]:
    assert answer is not None
    return [r["attempt_id"] for r in answer["start"]]


def test_a_pool_wants_a_pod_per_attempts_per_pod_within_its_maximum() -> None:
    async def scenario(pools: WorkerPools, core: Core, *_: Any) -> list[str]:
        for n in range(7):
            pools.submit(_request(n), TEMPLATE)
        await pools.settle()
        return core.created

    assert _run(scenario, maximum=3) == [pool_pod_name(KEY, i) for i in range(3)]


def test_attempts_go_to_ready_pods_least_loaded_first_each_with_a_credential_of_its_own() -> None:
    async def scenario(pools: WorkerPools, *_: Any) -> tuple[list[str], list[str], set[str]]:
        for n in range(3):
            pools.submit(_request(n), TEMPLATE)
        first = await _poll(pools, 0)
        second = _started(await _poll(pools, 1))
        assert first is not None
        tokens = {r["token"] for r in first["start"]}
        assert tokens == {pools.attempt_token("ru_0.1"), pools.attempt_token("ru_1.1")}
        assert pools.token_for(pool_pod_name(KEY, 0)) not in tokens  # the Pod's only polls
        return _started(first), second, tokens

    first, second, tokens = _run(scenario)
    assert (first, second, len(tokens)) == (["ru_0.1", "ru_1.1"], ["ru_2.1"], 2)


def test_a_poll_with_another_pods_token_is_refused() -> None:
    async def scenario(pools: WorkerPools, *_: Any) -> Any:
        name = pool_pod_name(KEY, 0)
        return await pools.pull(pools.token_for("someone-else"), {"pod": name, "pool": KEY})

    assert _run(scenario) is None


def test_a_dead_pods_attempts_are_lost_with_its_exit_code_and_it_is_replaced() -> None:
    async def scenario(pools: WorkerPools, core: Core, _clock: Clock, lost: list[Any]) -> Any:
        pools.submit(_request(1), TEMPLATE)
        await _poll(pools, 0)
        pools.pod_gone(pool_pod_name(KEY, 0), 137)
        await pools.settle()
        return lost, core.created

    lost, created = _run(scenario)
    assert lost == [("ru_1.1", 137)]
    assert created == [pool_pod_name(KEY, 0)]  # the attempt is gone with it: no demand left


def test_an_idle_pod_is_retired_after_the_idle_timeout_and_a_busy_one_never() -> None:
    async def scenario(pools: WorkerPools, core: Core, clock: Clock, _lost: Any) -> Any:
        for n in range(4):
            pools.submit(_request(n), TEMPLATE)
        await _poll(pools, 0)
        await _poll(pools, 1)
        pools.release("ru_0.1")
        pools.release("ru_1.1")  # pod 0 idle, pod 1 busy
        clock.now += 30
        pools.release("ru_2.1")
        await pools.settle()
        before_timeout = list(core.deleted)
        clock.now += 31
        pools.reconcile_all()  # pod 1 still runs ru_3.1
        await pools.settle()
        return before_timeout, core.deleted

    before_timeout, deleted = _run(scenario)
    assert before_timeout == []
    assert deleted == [pool_pod_name(KEY, 0)]


def test_the_minimum_is_kept_when_idle() -> None:
    async def scenario(pools: WorkerPools, core: Core, clock: Clock, _lost: Any) -> Any:
        pools.submit(_request(1), TEMPLATE)
        await _poll(pools, 0)
        pools.release("ru_1.1")
        clock.now += 3600
        pools.reconcile_all()
        await pools.settle()
        return core.deleted

    assert _run(scenario, minimum=1) == []


def test_attempts_of_an_answer_that_was_lost_are_sent_again() -> None:
    async def scenario(pools: WorkerPools, *_: Any) -> Any:
        pools.submit(_request(1), TEMPLATE)
        pools.submit(_request(2), TEMPLATE)
        await _poll(pools, 0)  # this answer never arrived: the next poll runs neither
        again = await _poll(pools, 0, running=[], finished=["ru_2.1"])
        return _started(again)

    assert _run(scenario) == ["ru_1.1"]  # ru_2.1 ran and finished: not again


def test_attempts_a_pod_runs_from_before_a_restart_are_cancelled() -> None:
    async def scenario(pools: WorkerPools, *_: Any) -> Any:
        pools.submit(_request(1), TEMPLATE)
        answer = await _poll(pools, 0, running=["ru_old.1"])
        assert answer is not None
        return _started(answer), answer["cancel"]

    assert _run(scenario) == (["ru_1.1"], ["ru_old.1"])


def test_an_attempt_expected_back_after_a_restart_is_kept_by_the_pod_that_still_runs_it() -> None:
    resumed: list[str] = []

    async def scenario(pools: WorkerPools, *_: Any) -> Any:
        pools.expect(_request(1))
        pools.expect(_request(2))
        answer = await _poll(pools, 0, running=["ru_1.1", "ru_old.1"], finished=["ru_2.1"])
        assert answer is not None
        kept = answer["cancel"], pools.withdraw("ru_2.1")  # never claimed: nothing runs it
        return (*kept, pools.withdraw("ru_1.1"))  # claimed: its Pod is told

    assert _run(scenario, resumed=resumed) == (["ru_old.1"], True, False)
    assert resumed == ["ru_1.1"]


def test_an_expected_attempt_no_pod_runs_or_finished_is_lost_once_every_pod_has_polled() -> None:
    """ru_2 finished while the operator was away (its outcome is on its way); ru_3 never reached
    a Pod: once the only Pod has polled, it is lost at once instead of waited for."""
    resumed: list[str] = []

    async def scenario(pools: WorkerPools, core: Core, clock: Clock, lost: list[Any]) -> Any:
        for n in (1, 2, 3):
            pools.expect(_request(n))
        await _poll(pools, 0, running=["ru_1.1"], finished=["ru_2.1"])
        return list(lost)

    assert _run(scenario, resumed=resumed) == [("ru_3.1", None)]
    assert resumed == ["ru_1.1"]


def test_a_pod_found_after_a_restart_keeps_its_name_and_new_pods_take_free_ones() -> None:
    async def scenario(pools: WorkerPools, core: Core, *_: Any) -> Any:
        await _poll(pools, 0)  # a Pod of the earlier operator polls first: adopted
        for n in range(4):
            pools.submit(_request(n), TEMPLATE)
        await pools.settle()
        return core.created

    assert _run(scenario) == [pool_pod_name(KEY, 1)]


def test_a_cancel_takes_a_queued_attempt_back_or_tells_its_pod() -> None:
    async def scenario(pools: WorkerPools, *_: Any) -> Any:
        pools.submit(_request(1), TEMPLATE)
        await _poll(pools, 0)
        pools.submit(_request(2), TEMPLATE)
        pools.submit(_request(3), TEMPLATE)  # pod 0 is full (2 per Pod): ru_3.1 waits
        queued = pools.withdraw("ru_3.1")
        assigned = pools.withdraw("ru_2.1")
        answer = await _poll(pools, 0, running=["ru_1.1"])
        assert answer is not None
        return queued, assigned, answer["cancel"]

    assert _run(scenario) == (True, False, ["ru_2.1"])


def test_a_warmed_pool_starts_its_minimum_before_any_attempt_and_keeps_it() -> None:
    async def scenario(pools: WorkerPools, core: Core, clock: Clock, _lost: Any) -> Any:
        pools.warm(TEMPLATE)
        await pools.settle()
        await _poll(pools, 0)  # started, and waiting for work
        clock.now += 3600
        pools.reconcile_all()
        await pools.settle()
        return core.created, core.deleted

    assert _run(scenario, minimum=1) == ([pool_pod_name(KEY, 0)], [])
