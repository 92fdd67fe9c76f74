"""Run an SDK script (``intuned_sdk_calls.py``: jobs; ``intuned_sdk_sessions_calls.py``:
auth_sessions and runs) in the SDK's own virtualenv against a controller's API and return what
it saw, after checking that every call succeeded (or was refused as it must be)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".cache" / "intuned-sdk" / "venv" / "bin" / "python"
CALLS = Path(__file__).with_name("intuned_sdk_calls.py")
SESSIONS_CALLS = Path(__file__).with_name("intuned_sdk_sessions_calls.py")


def drive(
    url: str, api_key: str, workspace: str, project: str, *args: str, script: Path = CALLS
) -> dict[str, Any]:
    assert SDK_PYTHON.exists(), f"{SDK_PYTHON} is missing: run `make intuned-sdk`"
    done = subprocess.run(
        [str(SDK_PYTHON), str(script), url, api_key, workspace, project, *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    failed = {name: outcome for name, outcome in report["calls"].items() if outcome != "ok"}
    assert not failed, f"{json.dumps(failed, indent=1)}\n{done.stderr[-3000:]}"
    seen: dict[str, Any] = report["seen"]
    return seen
