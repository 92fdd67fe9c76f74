"""Real Chromium through `jobctl run`: the demo, retries, timeouts, dead workers, Intuned code.

Each test writes an automation project and a job into a temporary folder, serves pages from
127.0.0.1, and runs the controller with the local launcher as a user would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from examples.demo_site.server import static_server

from .conftest import ROOT, jobctl_env


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        server = static_server(folder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def run_job(
    jobctl, root: Path, project: Path, job_id: str, job: dict[str, Any]
) -> tuple[Any, list[dict[str, Any]]]:
    jobs = root / "resources" / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    (jobs / f"{job_id}.job.json").write_text(json.dumps(job))
    done = jobctl(
        "run",
        "--resources",
        str(root / "resources"),
        "--state",
        str(root / "state"),
        "--project",
        str(project),
        "--trigger",
        job_id,
        "--until-idle",
    )
    path = (
        Path(done.stdout.rsplit("results: ", 1)[1].strip()) if "results: " in done.stdout else None
    )
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path else []
    return done, lines


def kept_file(root: Path, url: str) -> Path:
    """The controller's copy of the artifact a link names: links are the API's URLs (the run
    served its API), files are under the state folder."""
    assert url.startswith("http://") and "/artifacts/" in url, url
    return root / "state" / "attempts" / url.split("/artifacts/", 1)[1]


LINE_SCHEMA = {
    "type": "object",
    "required": ["apiInfo", "workspaceId", "project", "projectJob", "projectJobRun", "authSession"],
    "properties": {
        "apiInfo": {
            "type": "object",
            "required": [
                "name",
                "parameters",
                "runId",
                "result",
                "started_at",
                "ended_at",
                "error",
                "reason",
                "trace_url",
                "log_url",
            ],
            "properties": {
                "runId": {"type": "string", "pattern": "^ru_"},
                "started_at": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                },
                "ended_at": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                },
                "error": {"type": ["object", "null"], "required": ["message", "category"]},
                "trace_url": {"type": ["string", "null"]},
                "log_url": {"type": "string"},
            },
        },
        "project": {"type": "object", "required": ["id", "name"]},
        "projectJob": {"type": "object", "required": ["id"]},
        "projectJobRun": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"pattern": "^jr_"}},
        },
    },
}


def test_the_bookstore_demo_end_to_end(jobctl, tmp_path: Path, serve) -> None:
    base = serve(ROOT / "examples" / "bookstore" / "site")
    job = {
        "payload": [
            {"apiName": "list-categories", "parameters": {"baseUrl": base + "/"}},
            {"apiName": "flaky", "parameters": {"baseUrl": base + "/"}},
        ],
        "configuration": {"maxConcurrentRequests": 4},
    }
    done, lines = run_job(jobctl, tmp_path, ROOT / "examples" / "bookstore", "demo", job)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert len(lines) == 47  # 1 list + 5 categories + 40 books + flaky
    for line in lines:
        jsonschema.validate(line, LINE_SCHEMA)
        assert line["apiInfo"]["error"] is None
        assert kept_file(tmp_path, line["apiInfo"]["log_url"]).exists()
    # The default trace mode, on-first-retry: only the flaky item's second attempt has a trace.
    traced = {
        line["apiInfo"]["name"]: line["apiInfo"]["trace_url"]
        for line in lines
        if line["apiInfo"]["trace_url"]
    }
    assert list(traced) == ["flaky"]
    assert kept_file(tmp_path, traced["flaky"]).stat().st_size > 0
    names = sorted({line["apiInfo"]["name"] for line in lines})
    assert names == ["books/details", "flaky", "list-categories", "scrape-category"]
    details = [
        line["apiInfo"]["result"] for line in lines if line["apiInfo"]["name"] == "books/details"
    ]
    assert {"title", "price", "rating", "upc"} <= set(details[0]) and len(
        {d["upc"] for d in details}
    ) == 40
    flaky = next(line for line in lines if line["apiInfo"]["name"] == "flaky")
    assert flaky["apiInfo"]["result"]["attempt"] == 2


def write_project(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / "api" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


HEARTBEATS = """
import asyncio
from runtime_helpers import extend_timeout

async def automation(page, params, **_kwargs):
    for _ in range(5):
        await asyncio.sleep(0.8)
        extend_timeout()
    return {"survived": True}
"""
SLOW = """
import asyncio

async def automation(page, params, **_kwargs):
    print("starting a long wait")
    await asyncio.sleep(10)
    return {"survived": True}
"""
DIES_ONCE = """
import os

async def automation(page, params, **kwargs):
    if kwargs["attempt_number"] == 1:
        os._exit(1)
    return {"attempt": kwargs["attempt_number"]}
"""


def test_extend_timeout_keeps_an_attempt_alive_while_a_timeout_kills_another(
    jobctl, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "project", {"heartbeats.py": HEARTBEATS, "slow.py": SLOW})
    job = {
        "payload": [{"api": "heartbeats"}, {"api": "slow"}],
        "configuration": {"requestTimeout": 2, "retry": {"maximumAttempts": 1}},
    }
    done, lines = run_job(jobctl, tmp_path, project, "timeouts", job)
    assert done.returncode == 1, done.stdout[-2000:]
    by_name = {line["apiInfo"]["name"]: line["apiInfo"] for line in lines}
    assert by_name["heartbeats"]["result"] == {"survived": True}
    assert by_name["slow"]["error"]["code"] == "script-timeout"
    assert by_name["slow"]["error"]["category"] == "execution"


def test_a_worker_that_dies_is_replaced_and_the_run_retried(jobctl, tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {"dies-once.py": DIES_ONCE})
    done, lines = run_job(jobctl, tmp_path, project, "crashy", {"payload": [{"api": "dies-once"}]})
    assert done.returncode == 0, done.stdout[-2000:]
    assert lines[0]["apiInfo"]["result"] == {"attempt": 2}
    assert len(list((tmp_path / "state" / "attempts" / "workers").iterdir())) == 2


def test_missing_apis_and_bad_results_are_user_errors_and_not_retried(
    jobctl, tmp_path: Path
) -> None:
    project = write_project(
        tmp_path / "project",
        {
            "nested/not-json.py": "async def automation(page, params, **_kwargs):\n    return {1, 2}\n",
            "raises.py": "async def automation(page, params, **_kwargs):\n    raise ValueError('bad')\n",
        },
    )
    job = {
        "payload": [
            {"api": "nope"},
            {"api": "nested/not-json"},
            {"api": "raises"},
            {"api": "../escape"},
        ],
        "configuration": {"retry": {"maximumAttempts": 2}},
    }
    done, lines = run_job(jobctl, tmp_path, project, "errors", job)
    assert done.returncode == 1
    errors = {line["apiInfo"]["name"]: line["apiInfo"]["error"] for line in lines}
    assert (errors["nope"]["code"], errors["nope"]["category"]) == ("api-not-found", "user")
    assert errors["../escape"]["code"] == "api-not-found"
    assert (errors["nested/not-json"]["code"], errors["nested/not-json"]["category"]) == (
        "invalid-result",
        "user",
    )
    assert (errors["raises"]["category"], errors["raises"]["message"]) == (
        "execution",
        "ValueError: bad",
    )
    attempts = {line["apiInfo"]["name"]: line["apiInfo"]["log_url"] for line in lines}
    assert "ValueError: bad" in kept_file(tmp_path, attempts["raises"]).read_text()


# Written exactly as the Python examples of the Intuned Jobs docs.
DOCS_EXTEND_PAYLOAD = """from intuned_runtime import extend_payload
from playwright.async_api import Page
from typing import Any, Dict

async def automation(page: Page, params: Dict[str, Any], **_ignore_kwargs):
    await page.goto('{base}/products.html')

    product_links = await page.eval_on_selector_all('a.product',
        '(links) => links.map(a => a.href)'
    )

    for link in product_links:
        extend_payload({{
            "api": "scrape-product-details",
            "parameters": {{ "productUrl": link }}
        }})

    return {{
        "discoveredProducts": len(product_links),
        "message": f"Extended job with {{len(product_links)}} product scraping tasks"
    }}
"""
DOCS_EXTEND_TIMEOUT = """from runtime_helpers import extend_timeout

async def automation(page: Page, params: Dict[str, Any], **_ignore_kwargs):
    extend_timeout() # reset timer to the defined requestTimeout value
    # Perform long-running scraping...
    return { "success": True }
"""
PRODUCT_DETAILS = """from typing import Any, Dict
from playwright.async_api import Page

async def automation(page: Page, params: Dict[str, Any], **_ignore_kwargs):
    await page.goto(params["productUrl"])
    return {"title": await page.text_content("h1")}
"""


def test_code_written_like_the_intuned_docs_runs_unchanged(jobctl, tmp_path: Path, serve) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "products.html").write_text(
        "".join(f'<a class="product" href="p{n}.html">{n}</a>' for n in range(3))
    )
    for n in range(3):
        (site / f"p{n}.html").write_text(f"<h1>Product {n}</h1>")
    base = serve(site)
    project = write_project(
        tmp_path / "project",
        {
            "discover.py": DOCS_EXTEND_PAYLOAD.format(base=base),
            # the docs' snippet relies on names imported elsewhere in the file
            "long.py": "from typing import Any, Dict\nfrom playwright.async_api import Page\n"
            + DOCS_EXTEND_TIMEOUT,
            "scrape-product-details.py": PRODUCT_DETAILS,
        },
    )
    done, lines = run_job(
        jobctl, tmp_path, project, "docs", {"payload": [{"api": "discover"}, {"api": "long"}]}
    )
    assert done.returncode == 0, done.stdout[-2000:]
    results = sorted(json.dumps(line["apiInfo"]["result"], sort_keys=True) for line in lines)
    assert len(lines) == 5
    assert '{"success": true}' in results
    assert sum('"title": "Product' in r for r in results) == 3


SIZED = """
async def automation(page, params, **_kwargs):
    text = "\\u00e9" * params["accents"] + "x" * params["letters"]
    return {"text": text, "rows": [{"n": n} for n in range(params["rows"])]}
"""
MIB = 1024 * 1024


def test_results_up_to_64_mib_arrive_whole_and_larger_ones_fail_at_once(
    jobctl, tmp_path: Path
) -> None:
    """A result over the inline size is streamed to the controller ahead of its event and
    written into its results line as the JSON text it is; one over the limit fails with
    ``result-too-large`` in its attempt (never retried), and other Runs are not disturbed."""
    project = write_project(tmp_path / "project", {"sized.py": SIZED})
    envelope = len('{"text":"","rows":[]}')
    largest = {"accents": 1000, "letters": 64 * MIB - 2000 - envelope, "rows": 0}  # é: 2 bytes
    items = [
        {"api": "sized", "parameters": {"accents": 1, "letters": 10, "rows": 3}},
        {"api": "sized", "parameters": {"accents": 0, "letters": 2 * MIB, "rows": 20_000}},
        {"api": "sized", "parameters": largest},
        {"api": "sized", "parameters": {**largest, "letters": largest["letters"] + 1}},
    ]
    job = {"payload": items, "configuration": {"retry": {"maximumAttempts": 2}}}
    done, lines = run_job(jobctl, tmp_path, project, "sized", job)
    assert done.returncode == 1, done.stdout[-2000:]
    by_letters = {line["apiInfo"]["parameters"]["letters"]: line["apiInfo"] for line in lines}
    small, streamed = by_letters[10], by_letters[2 * MIB]
    assert small["result"] == {"text": "é" + "x" * 10, "rows": [{"n": 0}, {"n": 1}, {"n": 2}]}
    assert len(streamed["result"]["text"]) == 2 * MIB and len(streamed["result"]["rows"]) == 20_000
    whole = by_letters[largest["letters"]]["result"]["text"]
    assert len(whole.encode()) + envelope == 64 * MIB  # the largest allowed, every byte of it
    too_large = by_letters[largest["letters"] + 1]
    assert too_large["error"]["code"] == "result-too-large" and too_large["result"] is None
    assert "over the limit of 67,108,864" in too_large["error"]["message"]
    runs = {line["apiInfo"]["runId"] for line in lines}
    assert len(runs) == 4


ENVIRONMENT = """
import os

async def automation(page, params, **_kwargs):
    return {"names": sorted(os.environ), "values": sorted(os.environ.values())}
"""


def test_the_controllers_own_secrets_never_reach_user_codes_environment(
    jobctl, tmp_path: Path
) -> None:
    """The API key and the store's URL (a database password in it) are the controller's: a
    worker's environment, which user code reads, has neither; the project's own variables
    (``.env``) it has."""
    project = write_project(tmp_path / "project", {"environment.py": ENVIRONMENT})
    (project / ".env").write_text("SITE_TOKEN=for-the-project\n")
    secrets = {"JOBCTL_API_KEY": "canary-api-key-5b1f", "JOBCTL_STORE": ""}
    done, lines = run_job(
        lambda *args: jobctl(*args, env=jobctl_env(**secrets)),
        tmp_path,
        project,
        "environment",
        {"payload": [{"api": "environment"}]},
    )
    assert done.returncode == 0, done.stdout[-2000:]
    seen = lines[0]["apiInfo"]["result"]
    assert "JOBCTL_API_KEY" not in seen["names"] and "JOBCTL_STORE" not in seen["names"]
    assert "canary-api-key-5b1f" not in seen["values"]
    assert "SITE_TOKEN" in seen["names"]
