"""The embedded controller in-process: real files, real SQLite, real clock, fake attempts."""

from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path

from controller.embedded import EmbeddedController, Settings
from tests.support.launchers import FakeLauncher


def make(
    tmp_path: Path, jobs: dict[str, str], *, out: io.StringIO | None = None, **settings: object
) -> EmbeddedController:
    folder = tmp_path / "resources" / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in jobs.items():
        (folder / f"{name}.job.jsonc").write_text(text)
    options = {"resources": tmp_path / "resources", "state": tmp_path / "state", **settings}
    return EmbeddedController(Settings(**options), FakeLauncher(8), out=out or io.StringIO())  # type: ignore[arg-type]


def test_a_triggered_jobrun_runs_to_completion_with_a_results_file(tmp_path: Path) -> None:
    async def scenario() -> None:
        controller = make(
            tmp_path,
            {"demo": '{payload: [{api: "fanout", parameters: {count: 5}}, {api: "fail-once"}]}'},
        )
        controller.start()
        job_run = controller.commands.trigger("demo")
        await controller.run(until_idle=True)
        assert (job_run.status, job_run.successful_runs, job_run.failed_runs) == ("COMPLETED", 7, 0)
        lines = controller.query.results_path("demo", job_run.id).read_text().splitlines()
        assert len(lines) == 7
        assert {json.loads(line)["apiInfo"]["name"] for line in lines} == {
            "fanout",
            "echo",
            "fail-once",
        }
        controller.close()

    asyncio.run(scenario())


async def _until(condition, timeout: float = 1.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


def test_job_files_hot_reload_within_a_second(tmp_path: Path) -> None:
    async def scenario() -> None:
        out = io.StringIO()
        controller = make(tmp_path, {"first": '{payload: [{api: "a"}]}'}, out=out)
        controller.start()
        task = asyncio.create_task(controller.run())
        await asyncio.sleep(0.3)  # the watcher is up
        jobs = tmp_path / "resources" / "jobs"
        query = controller.query

        (jobs / "second.job.jsonc").write_text('{payload: [{api: "b"}]}')
        assert await _until(lambda: query.job("second") is not None) < 1.0

        (jobs / "second.job.jsonc").write_text('{payload: [{api: "changed"}]}')
        await _until(lambda: query.job("second").definition.payload[0].apiName == "changed")  # type: ignore[union-attr]

        (jobs / "second.job.jsonc").write_text('{payload: [{api: "broken"}], schedul: {}}')
        await _until(lambda: "schedul" in out.getvalue())
        assert query.job("second").definition.payload[0].apiName == "changed"  # type: ignore[union-attr]
        assert "second: keeps running its last valid version" in out.getvalue()

        (jobs / "second.job.jsonc").unlink()
        await _until(lambda: query.job("second") is None)
        assert query.job("first") is not None
        controller.stop()
        await task
        controller.close()

    asyncio.run(scenario())


def test_an_interval_schedule_fires_on_the_real_clock(tmp_path: Path) -> None:
    async def scenario() -> None:
        controller = make(
            tmp_path, {"tick": '{payload: [{api: "a"}], schedule: {intervals: [{every: "1s"}]}}'}
        )
        controller.start()
        task = asyncio.create_task(controller.run())
        await _until(lambda: len(controller.query.job_runs()) >= 2, timeout=3.5)
        controller.stop()
        await task
        controller.close()
        runs = controller.query.job_runs()
        assert all(r.type == "SCHEDULED" and r.scheduled_time % 1000 == 0 for r in runs)  # type: ignore[operator]

    asyncio.run(scenario())


def test_old_jobruns_are_pruned_with_their_results_files(tmp_path: Path) -> None:
    async def scenario() -> None:
        controller = make(tmp_path, {"demo": '{payload: [{api: "a"}]}'}, history_limit=2)
        controller.start()
        ids = []
        for _ in range(3):
            ids.append(controller.commands.trigger("demo").id)
            await controller.run(until_idle=True)
            controller.close()
            controller = make(tmp_path, {}, history_limit=2)
            controller.start()
        controller.close()
        files = sorted(p.stem for p in (tmp_path / "state" / "results" / "demo").iterdir())
        assert files == sorted(ids[1:])
        assert {r.id for r in controller.query.job_runs()} == set(ids[1:])

    asyncio.run(scenario())
