"""A ``jobctl run`` process serving the REST API on a free port, for API and CLI tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

JOBCTL = Path(sys.executable).with_name("jobctl")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningController:
    process: subprocess.Popen[str]
    url: str
    base: str
    api_key: str
    log: Path

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"x-api-key": key or self.api_key},
            timeout=30,
            trust_env=False,
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def start_controller(
    root: Path,
    jobs: dict[str, dict[str, Any]],
    *,
    fake_delay: str = "0.05,0.2",
    project: Path | None = None,
    auth_sessions: dict[str, dict[str, Any]] | None = None,
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> RunningController:
    """With ``project``, real Chromium workers run that project (``env`` is given to them);
    without, the fake launcher answers every attempt after ``fake_delay`` seconds. ``options``:
    more ``jobctl run`` options."""
    for kind, documents in (("jobs", jobs), ("auth-sessions", auth_sessions or {})):
        folder = root / "resources" / kind
        folder.mkdir(parents=True, exist_ok=True)
        suffix = "job" if kind == "jobs" else "auth-session"
        for name, document in documents.items():
            (folder / f"{name}.{suffix}.json").write_text(json.dumps(document))
    key_file = root / "api-key"
    key_file.write_text("test-key-6d1f\n")
    log = root / "controller.log"
    environment = {
        "PYTHONPATH": str(ROOT),
        "JOBCTL_FAKE_DELAY": fake_delay,
        "PATH": "/usr/bin:/bin",
        **(env or {}),
    }
    workers = (
        ["--project", str(project), "--allow-private-targets"]
        if project
        else ["--launcher", "tests.support.launchers:create"]
    )
    with log.open("w") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [
                str(JOBCTL),
                "run",
                "--resources",
                str(root / "resources"),
                "--state",
                str(root / "state"),
                *workers,
                "--listen",
                "127.0.0.1:0",
                "--api-key-file",
                str(key_file),
                "--workspace-id",
                "ws-test",
                "--project-name",
                "shop",
                *options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
        )
    deadline = time.monotonic() + 30
    while True:
        found = re.search(r"REST API on (http://[\d.:]+)(/\S+)", log.read_text())
        if found:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the controller did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return RunningController(
        process, found.group(1), found.group(2).rstrip("/"), "test-key-6d1f", log
    )
