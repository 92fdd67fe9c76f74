"""Hostile input against a running ``jobctl run`` and ``jobctl validate``: each gets a clear,
located refusal, and the controller keeps running (and keeps what it had)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from controller.embedded import EmbeddedController, Settings
from tests.support.controller_process import JOBCTL, RunningController, start_controller
from tests.support.launchers import FakeLauncher

GOOD = {"payload": [{"apiName": "a"}]}
SURROGATE_JSON = '{"id": "hostile", "payload": [{"apiName": "a", "parameters": {"x": "\\ud800"}}]}'


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    running = start_controller(tmp_path_factory.mktemp("hostile"), {"good": GOOD})
    yield running
    running.stop()


def post(controller: RunningController, path: str, body: bytes, **headers: str) -> httpx.Response:
    with controller.client() as client:
        return client.post(
            controller.base + path,
            content=body,
            headers={"content-type": "application/json", **headers},
        )


def still_serving(controller: RunningController) -> None:
    assert controller.process.poll() is None, controller.log.read_text()[-2000:]
    answer = post(controller, "/jobs/good/trigger", b"")
    assert answer.status_code == 200, answer.text


def test_a_lone_surrogate_in_a_request_is_refused_located_and_nothing_is_stored(
    controller: RunningController,
) -> None:
    answer = post(controller, "/jobs", SURROGATE_JSON.encode())
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"] == (
        "request body:1:68: text contains a lone surrogate (\\ud800), which is not valid "
        "Unicode; write the character itself, or both halves of its \\u escape pair"
    )
    with controller.client() as client:
        assert client.get(controller.base + "/jobs/hostile").status_code == 404
    still_serving(controller)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"id": "n", "payload": [{"apiName": "a", "parameters": {"x": NaN}}]}', "1:62"),
        (b'{"id": "n", "payload": [{"apiName": "a", "parameters": {"x": 1e999}}]}', "1:62"),
        (b'{"id": "n", "id": "m", "payload": [{"apiName": "a"}]}', "1:13: duplicate key 'id'"),
    ],
)
def test_json_the_job_files_refuse_is_refused_by_the_api_too(
    controller: RunningController, body: bytes, expected: str
) -> None:
    answer = post(controller, "/jobs", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"].startswith(f"request body:{expected}")


def test_bodies_that_are_not_json_or_too_large_get_415_and_413(
    controller: RunningController,
) -> None:
    text = post(controller, "/jobs", json.dumps(GOOD).encode(), **{"content-type": "text/plain"})
    assert text.status_code == 415, text.text
    assert text.json()["code"] == "unsupported-media-type"

    def chunks() -> Iterator[bytes]:
        yield b'{"id": "big", "payload": [{"apiName": "a", "parameters": {"x": "'
        for _ in range(600):
            yield b"x" * 10_000
        yield b'"}}]}'

    with controller.client() as client:
        big = client.post(
            controller.base + "/jobs",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert big.status_code == 413, big.text
    assert big.json()["code"] == "payload-too-large"
    still_serving(controller)


def test_a_method_not_allowed_says_which_are(controller: RunningController) -> None:
    with controller.client() as client:
        answer = client.delete(controller.base + "/jobs")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_validate_locates_a_surrogate_key_in_a_calendar_without_a_traceback(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "jobs"
    folder.mkdir()
    text = '{\n  "payload": [{"apiName": "a"}],\n  "schedule": {"calendars": [{"\\ud800": 1}]}\n}'
    (folder / "cal.job.jsonc").write_text(text)
    command = [str(JOBCTL), "validate", str(tmp_path)]
    text_mode = subprocess.run(command, check=False, capture_output=True, text=True)
    assert text_mode.returncode == 1, text_mode.stderr
    assert "cal.job.jsonc:3:31: text contains a lone surrogate" in text_mode.stdout
    json_mode = subprocess.run(
        [*command[:2], "--json", *command[2:]], check=False, capture_output=True, text=True
    )
    assert json_mode.returncode == 1, json_mode.stderr
    (problem,) = json.loads(json_mode.stdout)["problems"]
    assert (problem["line"], problem["column"]) == (3, 31)
    assert "Traceback" not in text_mode.stderr + json_mode.stderr


def test_a_surrogate_in_a_job_file_is_reported_and_the_controller_keeps_running(
    controller: RunningController,
) -> None:
    folder = controller.log.parent / "resources" / "jobs"
    (folder / "broken.job.json").write_text(
        '{"payload": [{"apiName": "a"}], "schedule": {"calendars": [{"\\udc00": 1}]}}'
    )
    deadline = time.monotonic() + 10
    while "broken.job.json:1:" not in controller.log.read_text():
        assert time.monotonic() < deadline, controller.log.read_text()[-2000:]
        time.sleep(0.1)
    still_serving(controller)


def test_special_files_are_refused_by_validate_and_by_a_running_controller(
    controller: RunningController, tmp_path: Path
) -> None:
    for folder in (tmp_path / "jobs", controller.log.parent / "resources" / "jobs"):
        folder.mkdir(parents=True, exist_ok=True)
        os.mkfifo(folder / "fifo.job.json")
        (folder / "zero.job.json").symlink_to("/dev/zero")
    done = subprocess.run(
        [str(JOBCTL), "validate", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "fifo.job.json:1:1: not a regular file (a FIFO)" in done.stdout
    assert "zero.job.json:1:1: not a regular file (a device or socket)" in done.stdout
    deadline = time.monotonic() + 10
    while "zero.job.json:1:1: not a regular file" not in controller.log.read_text():
        assert time.monotonic() < deadline, controller.log.read_text()[-2000:]
        time.sleep(0.1)
    still_serving(controller)


def test_a_huge_unknown_key_is_named_briefly(tmp_path: Path) -> None:
    folder = tmp_path / "jobs"
    folder.mkdir()
    key = "k" * 5_000_000
    (folder / "huge.job.jsonc").write_text(f'{{"payload": [{{"apiName": "a"}}], "{key}": 1}}')
    done = subprocess.run(
        [str(JOBCTL), "validate", str(tmp_path)], check=False, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert len(done.stdout) < 1_000, done.stdout[:300]
    assert "(5000000 characters)" in done.stdout


def test_a_replaced_resources_folder_is_watched_again(tmp_path: Path) -> None:
    """``rm -rf res; cp -r res.bak res`` (what a checkout that replaces the folder does)."""

    async def scenario() -> None:
        resources = tmp_path / "res"
        (resources / "jobs").mkdir(parents=True)
        (resources / "jobs" / "a.job.jsonc").write_text('{payload: [{api: "a"}]}')
        settings = Settings(resources=resources, state=tmp_path / "state")
        controller = EmbeddedController(settings, FakeLauncher(2), out=io.StringIO())
        controller.start()
        task = asyncio.create_task(controller.run())
        await asyncio.sleep(0.5)
        shutil.copytree(resources, tmp_path / "res.bak")
        shutil.rmtree(resources)
        await asyncio.sleep(1.5)
        assert controller.query.job("a") is not None  # kept while the folder is missing
        shutil.copytree(tmp_path / "res.bak", resources)
        (resources / "jobs" / "b.job.jsonc").write_text('{payload: [{api: "b"}]}')
        deadline = time.monotonic() + 10
        while controller.query.job("b") is None:
            assert time.monotonic() < deadline, "the new folder is not watched"
            await asyncio.sleep(0.1)
        (resources / "jobs" / "c.job.jsonc").write_text('{payload: [{api: "c"}]}')
        while controller.query.job("c") is None:
            assert time.monotonic() < deadline, "the new folder is not watched"
            await asyncio.sleep(0.1)
        controller.stop()
        await task
        controller.close()

    asyncio.run(scenario())
