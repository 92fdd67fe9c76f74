from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOBCTL = Path(sys.executable).with_name("jobctl")


def run_jobctl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JOBCTL), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def jobctl() -> Callable[..., subprocess.CompletedProcess[str]]:
    assert JOBCTL.exists(), f"{JOBCTL} is missing: run `make setup`"
    return run_jobctl
