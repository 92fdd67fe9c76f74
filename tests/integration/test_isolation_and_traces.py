"""Isolation levels and trace modes through ``jobctl run`` with real Chromium: what each level
shares between Runs, that a retry starts in a fresh context, and which attempts keep a trace."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.embedded import EmbeddedController, Settings
from controller.launch import LocalLauncher
from examples.demo_site.server import static_server

COOKIE_API = """
async def automation(page, params, **kwargs):
    await page.goto(params["site"])
    seen = await page.evaluate("document.cookie")
    await page.evaluate(f"document.cookie = 'run{params['n']}=1; path=/'")
    if kwargs.get("attempt_number", 1) < params.get("succeedOnAttempt", 1):
        raise RuntimeError("failing on purpose, after setting a cookie")
    return {"seen": sorted(c.strip() for c in seen.split(";") if c.strip())}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "index.html").write_text("<title>cookies</title><h1>cookies</h1>")
    server = static_server(folder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def run(jobctl, root: Path, site: str, configuration: dict[str, Any], items: list[dict]) -> Any:
    project = root / "project"
    (project / "api").mkdir(parents=True)
    (project / "api" / "cookie.py").write_text(COOKIE_API)
    jobs = root / "resources" / "jobs"
    jobs.mkdir(parents=True)
    payload = [{"apiName": "cookie", "parameters": {"site": site, **item}} for item in items]
    document = {"payload": payload, "configuration": {"maxConcurrentRequests": 1, **configuration}}
    (jobs / "probe.job.json").write_text(json.dumps(document))
    done = jobctl(
        "run",
        "--resources",
        str(root / "resources"),
        "--state",
        str(root / "state"),
        "--project",
        str(project),
        "--listen",
        "off",
        "--trigger",
        "probe",
        "--until-idle",
    )
    results = Path(done.stdout.rsplit("results: ", 1)[1].strip())
    lines = [json.loads(line)["apiInfo"] for line in results.read_text().splitlines()]
    return sorted(lines, key=lambda line: line["parameters"]["n"]), root / "state" / "attempts"


def test_at_context_level_no_run_sees_another_run_s_cookie(
    jobctl, tmp_path: Path, site: str
) -> None:
    lines, _ = run(jobctl, tmp_path, site, {"isolation": "context"}, [{"n": n} for n in range(3)])
    assert [line["result"]["seen"] for line in lines] == [[], [], []]


def test_at_page_level_runs_of_a_jobrun_share_cookies_but_a_retry_starts_fresh(
    jobctl,
    tmp_path: Path,
    site: str,
) -> None:
    items = [{"n": 0}, {"n": 1}, {"n": 2, "succeedOnAttempt": 2}]
    lines, _ = run(jobctl, tmp_path, site, {"isolation": "page"}, items)
    assert lines[1]["result"]["seen"] == ["run0=1"]  # one concurrent Run: the shared context
    retried = lines[2]
    assert retried["result"]["seen"] == []  # its failed attempt's cookie (run2=1) is gone too
    assert retried["error"] is None


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("off", set()),
        ("on", {("ok", 1), ("flaky", 1), ("flaky", 2), ("broken", 1), ("broken", 2)}),
        ("retain-on-failure", {("flaky", 1), ("broken", 1), ("broken", 2)}),
        ("on-first-retry", {("flaky", 2), ("broken", 2)}),
        ("full", {("ok", 1), ("flaky", 1), ("flaky", 2), ("broken", 1), ("broken", 2)}),
    ],
)
def test_the_trace_mode_decides_which_attempts_keep_a_trace(
    jobctl,
    tmp_path: Path,
    site: str,
    mode: str,
    expected: set[tuple[str, int]],
) -> None:
    items = [
        {"n": 0, "name": "ok"},
        {"n": 1, "name": "flaky", "succeedOnAttempt": 2},
        {"n": 2, "name": "broken", "succeedOnAttempt": 9},
    ]
    configuration = {"trace": mode, "retry": {"maximumAttempts": 2}}
    lines, attempts = run(jobctl, tmp_path, site, configuration, items)
    names = {line["runId"]: line["parameters"]["name"] for line in lines}
    traced = {
        (names[folder.name.split(".")[0]], int(folder.name.split(".")[1]))
        for folder in attempts.glob("*/*")
        if (folder / "trace.zip").exists()
    }
    assert traced == expected
    logs = list(attempts.glob("*/*/log.txt"))
    assert len(logs) == 5  # every attempt keeps its log
    for line in lines:  # the results line links the last attempt's trace when it was kept
        name = line["parameters"]["name"]
        last_attempt = 1 if name == "ok" else 2
        assert (line["trace_url"] is not None) == ((name, last_attempt) in expected)
    if mode == "full":
        archive = zipfile.ZipFile(next(attempts.glob("*/*/trace.zip")))
        assert any(name.endswith((".jpeg", ".png")) for name in archive.namelist())


def test_at_page_level_a_later_jobrun_on_the_same_worker_starts_with_nothing_shared(
    tmp_path: Path, site: str
) -> None:
    project = tmp_path / "project"
    (project / "api").mkdir(parents=True)
    (project / "api" / "cookie.py").write_text(COOKIE_API)
    jobs = tmp_path / "resources" / "jobs"
    jobs.mkdir(parents=True)
    payload = [{"apiName": "cookie", "parameters": {"site": site, "n": n}} for n in range(2)]
    document = {"payload": payload, "configuration": {"maxConcurrentRequests": 1}}
    (jobs / "probe.job.json").write_text(json.dumps(document))

    async def two_job_runs() -> list[Any]:
        settings = Settings(
            resources=tmp_path / "resources", state=tmp_path / "state", max_workers=1, watch=False
        )
        launcher = LocalLauncher(project=project, artifacts=tmp_path / "attempts", capacity=1)
        controller = EmbeddedController(settings, launcher, out=io.StringIO())
        controller.start()
        loop = asyncio.create_task(controller.run())  # one worker process serves both JobRuns
        seen = []
        for _ in range(2):
            job_run = controller.commands.trigger("probe")
            for _wait in range(600):
                if not job_run.active:
                    break
                await asyncio.sleep(0.1)
            results = controller.query.results_path("probe", job_run.id).read_text().splitlines()
            lines = sorted(
                (json.loads(line)["apiInfo"] for line in results),
                key=lambda line: line["parameters"]["n"],
            )
            seen.append([line["result"]["seen"] for line in lines])
        controller.stop()
        await loop
        controller.close()
        return seen

    first, second = asyncio.run(two_job_runs())
    assert first == [[], ["run0=1"]]
    assert second == [[], ["run0=1"]]  # not run0=1 and run1=1 left over by the first JobRun
