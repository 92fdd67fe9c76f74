"""The short version of a chaos scenario (``python -m chaos --short NAME``), as a test: the suite
keeps working, and a fault that loses or duplicates a result fails ``make test``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_short(name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "chaos", "--short", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report line:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["ok"] and done.returncode == 0, f"{lines[-1]}\n{done.stderr[-3000:]}"
    assert report["faults"] > 0, f"no fault was injected: {lines[-1]}"
    return report
