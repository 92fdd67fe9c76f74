"""The runtime driver with fake edges: a fake clock, an in-memory definition source, fake
attempts, and a real SQLite store. The embedded controller is this driver plus job files."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from controller.engine import AttemptEvent, Changes, EngineError, JobRun, spill
from controller.runtime import Change, DefinitionTarget, Runtime, RuntimeSettings, assemble
from controller.spec import JobDefinition, load_job_file_text
from controller.store import open_store
from tests.support.clock import MINUTE, FakeClock
from tests.support.launchers import FakeLauncher


def definition(text: str) -> JobDefinition:
    return load_job_file_text(text, "job.job.jsonc").jobs[0].definition


class Definitions:
    """A definition source held in memory: what ``load`` gives, and changes sent on demand."""

    def __init__(self, jobs: dict[str, JobDefinition]) -> None:
        self.jobs = dict(jobs)

    def load(self, target: DefinitionTarget) -> None:
        for job_id, job in self.jobs.items():
            target.put_job(job_id, job)

    async def follow(self, changed: Callable[[Change], None]) -> None:
        return

    def broken(self) -> int:
        return 0


class Seen:
    """An observer: every JobRun each saved pass showed, in order."""

    def __init__(self) -> None:
        self.job_runs: list[tuple[str, str]] = []

    def observe_event(self, event: AttemptEvent, now: int) -> None:
        return

    def observe_changes(self, changes: Changes) -> None:
        self.job_runs += [(r.id, r.status) for r in changes.job_runs]


def runtime(tmp_path: Path, clock: FakeClock, jobs: dict[str, JobDefinition]) -> Runtime:
    made = assemble(
        RuntimeSettings(state=tmp_path / "state"),
        store=open_store(tmp_path / "state" / "state.db"),
        launcher=FakeLauncher(4),
        definitions=Definitions(jobs),
        clock=clock,
        out=io.StringIO(),
    )
    made.start()
    return made


def stored_direct_jobs(tmp_path: Path) -> dict[str, Any]:
    """What the store keeps of direct Runs' documents, read as another process would."""
    store = open_store(tmp_path / "state" / "state.db")
    try:
        return store.direct_jobs.all()
    finally:
        store.close()


BOOKS = definition('{payload: [{api: "a"}, {api: "fail-once"}, {api: "b"}]}')
EVERY_MINUTE = definition('{payload: [{api: "a"}], schedule: {intervals: [{every: "1m"}]}}')


def test_a_trigger_runs_to_the_end_and_the_stored_results_cause_another_pass(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        driver = runtime(tmp_path, FakeClock(), {"books": BOOKS})
        seen = Seen()
        driver.add_observer(seen)
        job_run = driver.trigger("books")
        await driver.run(until_idle=True)
        assert (job_run.status, job_run.successful_runs) == ("COMPLETED", 3)
        lines = driver.query.results_path("books", job_run.id).read_text().splitlines()
        assert sorted(json.loads(line)["apiInfo"]["name"] for line in lines) == [
            "a",
            "b",
            "fail-once",
        ]
        assert driver.query.results_object(job_run.id) is not None
        # The pass that ended the JobRun, then the one the stored results file caused.
        assert seen.job_runs[-2:] == [(job_run.id, "COMPLETED")] * 2
        driver.close()

    asyncio.run(scenario())


def test_a_schedule_tick_runs_once_even_when_the_runtime_restarts(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        driver = runtime(tmp_path, clock, {"tick": EVERY_MINUTE})
        clock.now += MINUTE
        driver.change_definitions(lambda _target: None)  # the pass the loop makes at that time
        await driver.run(until_idle=True)
        driver.close()
        again = runtime(tmp_path, clock, {"tick": EVERY_MINUTE})
        again.change_definitions(lambda _target: None)
        await again.run(until_idle=True)
        job_runs = again.query.job_runs("tick")
        assert [(r.type, r.status) for r in job_runs] == [("SCHEDULED", "COMPLETED")]
        again.close()

    asyncio.run(scenario())


def test_a_pause_holds_the_jobrun_and_a_resume_finishes_it_without_using_retries(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        driver = runtime(tmp_path, FakeClock(), {"books": BOOKS})
        job_run = driver.trigger("books")
        driver.pause("books")
        assert job_run.status in ("PAUSING", "PAUSED")
        with pytest.raises(EngineError, match="paused"):
            driver.trigger("books")
        driver.resume("books")
        await driver.run(until_idle=True)
        assert (job_run.status, job_run.successful_runs, job_run.failed_runs) == (
            "COMPLETED",
            3,
            0,
        )
        driver.close()

    asyncio.run(scenario())


def test_a_named_trigger_of_a_paused_or_unknown_job_is_recorded_canceled(tmp_path: Path) -> None:
    driver = runtime(tmp_path, FakeClock(), {"books": BOOKS})
    driver.pause("books")
    paused = driver.trigger("books", job_run_id="books-by-hand")
    unknown = driver.trigger("ghost", job_run_id="ghost-by-hand")
    assert (paused.status, paused.reason) == (
        "CANCELED",
        {
            "type": "user-request",
            "message": "job 'books' is paused; resume it before triggering it",
        },
    )
    assert (unknown.status, unknown.reason) == (
        "CANCELED",
        {"type": "terminated", "message": "no job 'ghost'"},
    )
    assert driver.trigger("books", job_run_id="books-by-hand") is paused  # idempotent
    assert driver.query.job_run("ghost-by-hand") is unknown
    driver.close()


def test_terminate_and_delete_end_the_active_jobrun(tmp_path: Path) -> None:
    async def scenario() -> None:
        driver = runtime(tmp_path, FakeClock(), {"books": BOOKS})
        first = driver.trigger("books")
        driver.terminate(first.id)
        second = driver.trigger("books")
        driver.change_definitions(lambda target: target.delete_job("books"))
        await driver.run(until_idle=True)
        assert [first.status, second.status] == ["TERMINATED", "TERMINATED"]
        assert first.reason == {"type": "user-request", "message": "terminated on request"}
        assert second.reason == {"type": "terminated", "message": "the Job was deleted"}
        assert driver.query.job("books") is None
        driver.close()

    asyncio.run(scenario())


def test_a_restart_resumes_the_active_jobrun_from_the_store(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        driver = runtime(tmp_path, clock, {"books": BOOKS})
        job_run_id = driver.trigger("books").id  # saved, never run: the process "dies" here
        driver.close()
        again = runtime(tmp_path, clock, {"books": BOOKS})
        resumed = again.query.job_run(job_run_id)
        assert isinstance(resumed, JobRun) and resumed.active
        await again.run(until_idle=True)
        assert (resumed.status, resumed.successful_runs) == ("COMPLETED", 3)
        again.close()

    asyncio.run(scenario())


def test_a_direct_run_survives_a_restart_and_its_one_off_job_goes_when_it_ends(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        driver = runtime(tmp_path, clock, {"books": BOOKS})
        document = {"payload": [{"api": "a", "parameters": {"n": 1}}]}
        job_run = driver.start_direct("run", document)  # saved, never run: the process "dies"
        driver.close()
        again = runtime(tmp_path, clock, {"books": BOOKS})
        resumed = again.query.job_run(job_run.id)
        assert isinstance(resumed, JobRun) and resumed.active
        await again.run(until_idle=True)
        assert (resumed.status, resumed.successful_runs) == ("COMPLETED", 1)
        (line,) = again.query.final_run_lines(resumed)
        assert line["apiInfo"]["parameters"] == {"n": 1}
        assert again.query.job(job_run.job_id) is None
        assert stored_direct_jobs(tmp_path) == {}
        assert again.definition(job_run.job_id) is None, "a direct Run's definition is kept"
        assert again.definition("books") is not None
        again.close()
        third = runtime(tmp_path, clock, {"books": BOOKS})  # nothing left to resume
        assert third.query.job_ids() == ["books"]
        third.close()

    asyncio.run(scenario())


def test_a_direct_document_saved_before_a_crash_but_never_started_is_dropped(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "state" / "state.db")
    store.direct_jobs.put("run.jr_lost", {"payload": [{"api": "a"}]})
    store.close()
    driver = runtime(tmp_path, FakeClock(), {"books": BOOKS})
    assert stored_direct_jobs(tmp_path) == {} and driver.query.job_ids() == ["books"]
    driver.close()


def test_a_jobrun_with_spilled_runs_survives_a_restart_and_runs_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill, "PENDING_HELD", 4)
    items = ", ".join(f'{{api: "a", parameters: {{n: {n}}}}}' for n in range(30))
    many = definition(f"{{payload: [{items}], configuration: {{maxConcurrentRequests: 3}}}}")

    async def scenario() -> None:
        clock = FakeClock()
        driver = runtime(tmp_path, clock, {"many": many})
        job_run_id = driver.trigger("many").id  # saved, never run: the process "dies" here
        driver.close()
        again = runtime(tmp_path, clock, {"many": many})
        resumed = again.query.job_run(job_run_id)
        assert isinstance(resumed, JobRun)
        # the three it had started and the next four; the rest stays in the store
        assert (len(resumed.runs), resumed.spilled) == (7, 23)
        await again.run(until_idle=True)
        assert (resumed.status, resumed.successful_runs) == ("COMPLETED", 30)
        lines = again.query.final_run_lines(resumed)
        assert sorted(line["apiInfo"]["parameters"]["n"] for line in lines) == list(range(30))
        again.close()

    asyncio.run(scenario())
