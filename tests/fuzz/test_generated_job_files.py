"""The fuzz tier: 2,000 generated job files (surrogates, special characters, deep nesting, huge
tokens, broken syntax) through ``jobctl validate --json``, the loader the controllers use, and
the REST API's create endpoint. Never a traceback, never an exit code but 0 or 1, every problem
located, no file taking 2 s or more (a hang or a quadratic path shows up here)."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from controller.embedded import EmbeddedController, Settings
from controller.server import create_app
from controller.spec import load_job_file_text, load_paths
from tests.fuzz.generate import job_files
from tests.support.controller_process import JOBCTL
from tests.support.launchers import FakeLauncher

COUNT = 2_000
BATCHES = 8
PER_FILE_S = 2.0
FILES = list(job_files(COUNT))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    made = []
    for batch in range(BATCHES):
        folder = tmp_path_factory.mktemp(f"fuzz{batch}") / "jobs"
        folder.mkdir()
        for name, text in FILES[batch::BATCHES]:
            (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        made.append(folder.parent)
    return made


def test_the_generated_files_cover_every_kind_of_trouble() -> None:
    texts = [text for _name, text in FILES]
    assert sum("\\ud8" in t or "\\udf" in t for t in texts) > 100
    assert sum(len(t) > 100_000 for t in texts) > 100
    assert sum("[[[[[[[[[[" in t for t in texts) > 100
    valid = sum(not load_job_file_text(t, n).problems for n, t in FILES)
    assert 150 < valid < COUNT - 500


def test_the_loader_locates_every_problem_in_bounded_time(folders: list[Path]) -> None:
    for folder in folders:
        for file in sorted((folder / "jobs").iterdir()):
            started = time.perf_counter()
            result = load_paths([file])
            took = time.perf_counter() - started
            assert took < PER_FILE_S, f"{file.name}: {took:.1f} s"
            for problem in result.problems:
                assert problem.position.line >= 1 and problem.position.column >= 1, problem
                assert problem.message and "Traceback" not in problem.message


def test_validate_json_answers_for_every_file_with_a_location(folders: list[Path]) -> None:
    for folder in folders:
        started = time.perf_counter()
        done = subprocess.run(
            [str(JOBCTL), "validate", "--json", str(folder)],
            check=False,
            capture_output=True,
            text=True,
            timeout=PER_FILE_S * COUNT / BATCHES,
        )
        took = time.perf_counter() - started
        assert done.returncode in (0, 1), done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        report = json.loads(done.stdout)
        assert report["files"] == COUNT // BATCHES
        assert took < PER_FILE_S * report["files"]
        for problem in report["problems"]:
            assert problem["line"] >= 1 and problem["column"] >= 1, problem


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.AsyncClient, str]]:
    root = tmp_path_factory.mktemp("fuzz-api")
    settings = Settings(resources=root / "resources", state=root / "state", watch=False)
    controller = EmbeddedController(settings, FakeLauncher(2), out=io.StringIO())
    controller.start()
    app = create_app(controller.commands, api_key=None, metrics=lambda: b"")
    identity = controller.query.identity
    base = f"/api/v1/workspace/{identity.workspace_id}/projects/{identity.project_name}"
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")
    yield client, base
    controller.close()


def test_the_api_answers_every_file_without_a_server_error(
    api: tuple[httpx.AsyncClient, str],
) -> None:
    client, base = api

    async def send_all() -> list[tuple[str, int, str]]:
        answers = []
        for index, (_name, text) in enumerate(FILES):
            body = _with_id(text, f"fuzz-{index}")
            started = time.perf_counter()
            answer = await client.post(
                f"{base}/jobs", content=body, headers={"content-type": "application/json"}
            )
            took = time.perf_counter() - started
            assert took < PER_FILE_S, f"file {index}: {took:.1f} s"
            answers.append((FILES[index][0], answer.status_code, answer.text))
        return answers

    for name, status, text in asyncio.run(send_all()):
        assert status in (201, 400, 413), (name, status, text[:500])
        assert "Traceback" not in text


def _with_id(text: str, job_id: str) -> bytes:
    """The file as a create request: an object gets an ``id`` first (the rest is unchanged)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        text = '{"id": "' + job_id + '", ' + stripped[1:]
    return text.encode("utf-8", errors="surrogatepass")
