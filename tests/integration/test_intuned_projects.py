"""Projects written as Intuned's templates write them, run unchanged through ``jobctl run``: their
own Python (3.12) and dependencies (installed from the package index by the controller), the
runtime API, the setup hook, AuthSession files in Intuned's form."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.demo_site import demo_site
from tests.support.intuned_project import write_project

from .conftest import JOBCTL, jobctl_env

PASSWORD = "open-sesame-33"


@pytest.fixture(scope="module")
def env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Project environments, shared by the tests of this module (built once per requirements)."""
    return tmp_path_factory.mktemp("envs")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with demo_site(PASSWORD) as base:
        yield base


def run(project: Path, state: Path, env_cache: Path, site: str, *triggers: str, **env: str):
    args = [str(JOBCTL), "run", "--project", str(project), "--state", str(state), "--listen"]
    args += ["off", "--until-idle", *(a for t in triggers for a in ("--trigger", t))]
    environment = jobctl_env(JOBCTL_ENV_CACHE=str(env_cache), BOOKSTORE_URL=site, **env)
    return subprocess.run(
        args, cwd=project, env=environment, capture_output=True, text=True, timeout=600, check=False
    )


def lines(state: Path, job: str) -> list[dict[str, Any]]:
    found = [
        json.loads(line)
        for p in (state / "results" / job).glob("*.jsonl")
        for line in p.read_text().splitlines()
    ]
    return sorted(found, key=lambda line: line["apiInfo"]["runId"])


def test_an_intuned_template_project_runs_unchanged(tmp_path, env_cache, site) -> None:
    project = write_project(tmp_path / "project", site=site, password=PASSWORD)
    state = tmp_path / "state"
    done = run(project, state, env_cache, site, "books", "refused", "members")
    assert done.returncode == 1, done.stderr  # `refused` fails on purpose
    assert "project environment" in done.stderr and "ready" in done.stderr
    assert "intuned-runtime: provided by jobctl" in done.stderr

    books = {line["apiInfo"]["name"]: line["apiInfo"] for line in lines(state, "books")}
    assert [b["error"] for b in books.values()] == [None] * 3  # hello, catalogue, book (x3)
    assert books["hello"]["result"] == {"hello": "world"}  # automation(page)
    assert books["catalogue"]["result"] == {"books": 3}
    assert books["catalogue"]["attributes"] == {"books": 3}  # set_attribute, kept with the Run
    assert "attributes" not in books["hello"]  # lines of Runs without any: Intuned's exactly
    book_lines = [
        line["apiInfo"] for line in lines(state, "books") if line["apiInfo"]["name"] == "book"
    ]
    assert len(book_lines) == 3
    book = book_lines[0]["result"]
    assert set(book) == {"title", "unitPrice", "seenOn", "run"}  # by alias, as Intuned does
    assert book["seenOn"] == "2026-12-06"
    assert book["run"]["job"] == "books" and book["run"]["attempt"] == 1
    assert book["run"]["jobRun"] == lines(state, "books")[0]["projectJobRun"]["id"]
    assert book["run"]["setup"]["api"] == "api/book"  # the setup hook, as Intuned calls it
    assert book["run"]["setup"]["cdp"] == "ws" and book["run"]["setup"]["contexts"] >= 1

    (refused,) = lines(state, "refused")
    assert refused["apiInfo"]["error"]["code"] == "non-retryable-error"
    run_id = refused["apiInfo"]["runId"]
    attempts = list((state / "attempts").glob(f"*/{run_id}.*"))
    assert len(attempts) == 1, "a NonRetryableError is not retried (maximumAttempts is 3)"

    (member,) = lines(state, "members")
    assert member["apiInfo"]["result"] == {"signedIn": "Signed in as reader", "user": "reader"}

    with sqlite3.connect(state / "state.db") as db:
        (seen,) = db.execute("SELECT value FROM persistent_store WHERE key = 'seen'").fetchone()
    assert 1 <= json.loads(seen) <= 3
    logs = "".join(p.read_text() for p in (state / "attempts").glob("*/*/log.txt"))
    assert "[message to agent books] read " in logs
    assert PASSWORD not in logs + done.stdout + done.stderr


def hello_project(root: Path, job: dict[str, Any]) -> Path:
    """A project with one API (``hello``) and one Job (``hello``)."""
    project = root / "project"
    (project / "api").mkdir(parents=True)
    (project / "api" / "hello.py").write_text("async def automation(page):\n    return 1\n")
    jobs = project / "intuned-resources" / "jobs"
    jobs.mkdir(parents=True)
    (jobs / "hello.job.json").write_text(json.dumps(job))
    return project


def test_a_dependency_that_cannot_be_installed_fails_the_job_run_at_once_located(
    tmp_path, env_cache, site
) -> None:
    project = hello_project(tmp_path, {"payload": [{"apiName": "hello"}] * 3})
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\ndependencies = [\n'
        '    "jobctl-no-such-package-for-tests==9.9.9",\n]\n'
    )
    done = run(project, tmp_path / "state", env_cache, site, "hello")
    assert done.returncode == 2, done.stderr
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        status, error = db.execute("SELECT status, error FROM job_runs").fetchone()
    assert status == "FAILURE"
    cause = json.loads(error)["details"]["cause"]
    message = json.loads(error)["message"]
    assert cause == "project-environment-failed"
    assert f"{project / 'pyproject.toml'}:5:6: 'jobctl-no-such-package-for-tests==9.9.9'" in message


def test_a_check_hook_that_fails_to_import_fails_its_attempt_at_once(
    tmp_path, env_cache, site
) -> None:
    job = {"payload": [{"apiName": "hello"}], "auth_session": {"id": "member"}}
    project = hello_project(tmp_path, job)
    (project / "auth-sessions").mkdir()
    (project / "auth-sessions" / "check.py").write_text("import no_such_module_here\n")
    resources = project / "intuned-resources"
    (resources / "auth-sessions").mkdir()
    session = {"parameters": {"username": "reader", "password": PASSWORD}}
    (resources / "auth-sessions" / "member.auth-session.json").write_text(json.dumps(session))
    done = run(project, tmp_path / "state", env_cache, site, "hello")
    assert done.returncode == 1, done.stderr
    (line,) = lines(tmp_path / "state", "hello")
    assert line["apiInfo"]["error"]["code"] == "api-load-error"
    assert "auth-sessions/check.py: ModuleNotFoundError" in line["apiInfo"]["error"]["message"]


def test_a_saved_auth_session_instance_is_the_sessions_first_state(
    tmp_path, env_cache, site
) -> None:
    """``auth-sessions-instances/<id>/auth-session.json``, a browser state someone signed in
    with, is used as it is: ``create.py`` (which fails here) never runs."""
    project = write_project(tmp_path / "project", site=site, password=PASSWORD)
    (project / "pyproject.toml").unlink()  # no dependencies needed: jobctl's interpreter
    (project / "hooks" / "setup_context.py").unlink()
    (project / "auth-sessions" / "create.py").write_text(
        "async def create(page, params, **_kwargs):\n    raise RuntimeError('not called')\n"
    )
    instance = project / "auth-sessions-instances" / "member"
    instance.mkdir(parents=True)
    (instance / "auth-session.json").write_text(json.dumps(_signed_in_state(site)))
    done = run(project, tmp_path / "state", env_cache, site, "members")
    assert done.returncode == 0, done.stderr
    (member,) = lines(tmp_path / "state", "members")
    assert member["apiInfo"]["result"]["signedIn"] == "Signed in as reader"


def _signed_in_state(site: str) -> dict[str, Any]:
    """A storage state with the demo site's session cookie, signed in over plain HTTP."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    body = urllib.parse.urlencode({"username": "reader", "password": PASSWORD}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{site}/login", data=body)
        raise AssertionError("the demo site did not redirect after signing in")
    except urllib.error.HTTPError as redirect:
        name, value = redirect.headers["set-cookie"].split(";")[0].split("=", 1)
    host = urllib.parse.urlsplit(site).hostname
    cookie = {
        "name": name,
        "value": value,
        "domain": host,
        "path": "/",
        "expires": -1,
        "httpOnly": True,
        "secure": False,
        "sameSite": "Lax",
    }
    return {"cookies": [cookie], "origins": []}


REAL_RUNTIME_API = """
from _intuned_runtime_internal.context.context import IntunedContext as RealContext
from _intuned_runtime_internal.helpers import extend_payload as real_extend_payload
from _intuned_runtime_internal.helpers import set_attribute as real_set_attribute
from intuned_runtime import attempt_store


async def automation(page, params, **_kwargs):
    real = RealContext.current()
    if params.get("first"):
        real_extend_payload({"api": "real", "parameters": {}})
        real_set_attribute("seen", real.run_context.job_id)
    attempt_store.set("mine", 1)
    return {"jobRun": real.run_context.job_run_id, "store": real.store.get("mine"),
            "module": __import__("intuned_runtime").__file__.split("/")[-3]}
"""


def test_with_the_real_intuned_runtime_installed_its_context_describes_the_attempt(
    tmp_path, env_cache, site
) -> None:
    """A project environment that has the real ``intuned-runtime`` anyway (installed by hand
    here, as a user's image might): code that reads Intuned's own context sees this attempt,
    and what it extends or sets through it reaches the controller."""
    project = tmp_path / "project"
    (project / "api").mkdir(parents=True)
    (project / "api" / "real.py").write_text(REAL_RUNTIME_API)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\nrequires-python = ">=3.12,<3.13"\n'
        'dependencies = ["pydantic==2.10.6", "intuned-runtime==1.3.49"]\n'
    )
    jobs = project / "intuned-resources" / "jobs"
    jobs.mkdir(parents=True)
    job = {"payload": [{"apiName": "real", "parameters": {"first": True}}]}
    (jobs / "real.job.json").write_text(json.dumps(job))
    install = subprocess.run(
        [str(JOBCTL), "project", "install", str(project)],
        env=jobctl_env(JOBCTL_ENV_CACHE=str(env_cache)),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    python = install.stdout.strip()
    subprocess.run(
        [
            str(Path(sys.executable).with_name("uv")),
            "pip",
            "install",
            "--python",
            python,
            "-q",
            "intuned-runtime==1.3.49",
        ],
        check=True,
        timeout=600,
    )
    done = run(project, tmp_path / "state", env_cache, site, "real")
    assert done.returncode == 0, done.stderr
    first, extended = lines(tmp_path / "state", "real")
    job_run = first["projectJobRun"]["id"]
    assert first["apiInfo"]["result"] == {"jobRun": job_run, "store": 1, "module": "compat"}
    assert first["apiInfo"]["attributes"] == {"seen": "real"}
    assert extended["apiInfo"]["result"]["jobRun"] == job_run  # extended through the real one
