from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.s3 import S3Server, start_s3_server
from tests.support.tiers import mark_tier

ROOT = Path(__file__).resolve().parents[2]
JOBCTL = Path(sys.executable).with_name("jobctl")


def jobctl_env(**extra: str) -> dict[str, str]:
    """Environment for a jobctl subprocess that can import ``tests.support`` launchers."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def run_jobctl(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JOBCTL), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env or jobctl_env(),
    )


@pytest.fixture
def jobctl() -> Callable[..., subprocess.CompletedProcess[str]]:
    assert JOBCTL.exists(), f"{JOBCTL} is missing: run `make setup`"
    return run_jobctl


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 on 127.0.0.1 (credentials not checked; presigned URLs work)."""
    server = start_s3_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server_with_auth() -> Iterator[S3Server]:
    """moto's S3 on 127.0.0.1 checking credentials (presigned URLs do not work here)."""
    server = start_s3_server(enforce_auth=True)
    yield server
    server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, pytest.mark.integration)
