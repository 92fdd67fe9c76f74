"""``.pre-commit-hooks.yaml`` with the real pre-commit tool: in a throwaway repository, the
``jobctl-validate`` hook (installed by pre-commit from this repository's HEAD, as a user's
``rev:`` would) lets a valid job file through and blocks a broken one with its located error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.controller_process import ROOT

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(ROOT / ".cache" / "pre-commit"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_a_broken_job_file_blocks_the_commit_with_its_located_error(tmp_path: Path) -> None:
    head = git(ROOT, "rev-parse", "HEAD").stdout.strip()
    hooks = git(ROOT, "show", f"{head}:.pre-commit-hooks.yaml")
    assert hooks.returncode == 0, "commit .pre-commit-hooks.yaml: pre-commit installs from HEAD"
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n      - id: jobctl-validate\n"
    )
    installed = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, installed.stderr
    jobs = repo / "intuned-resources" / "jobs"
    jobs.mkdir(parents=True)
    (jobs / "daily.job.jsonc").write_text('{\n  payload: [{apiName: "scrape"}],\n}\n')
    git(repo, "add", ".")
    good = git(repo, "commit", "-q", "-m", "a valid job")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "jobctl validate" in good.stdout + good.stderr  # the hook ran and passed

    (jobs / "broken.job.jsonc").write_text("{\n  payload: [],\n}\n")
    git(repo, "add", ".")
    bad = git(repo, "commit", "-q", "-m", "a broken job")
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, output
    assert (
        "intuned-resources/jobs/broken.job.jsonc:2:12: payload: must have at least 1 item(s)"
        in output
    )
    assert git(repo, "log", "--format=%s").stdout.split("\n")[0] == "a valid job"
