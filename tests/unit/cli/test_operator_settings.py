"""``jobctl operator``'s options become one typed ``OperatorSettings`` at the edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.cli.main import build_parser
from controller.cli.operator_command import operator_settings
from controller.operator.settings import OperatorSettings


def settings_of(*argv: str, monkeypatch: pytest.MonkeyPatch) -> OperatorSettings:
    monkeypatch.delenv("JOBCTL_STORE", raising=False)
    return operator_settings(build_parser().parse_args(["operator", *argv]))


def test_worker_and_pool_options_become_the_pod_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(
        "--namespace=jobs",
        "--state=/var/lib/jobctl",
        "--worker-image=localhost/jobctl/worker:1",
        "--worker-mode=pod",
        "--pool-min=2",
        "--pool-max=5",
        '--pool-resources={"limits": {"memory": "3Gi"}}',
        "--peering=off",
        "--workspace-id=cluster",
        monkeypatch=monkeypatch,
    )
    assert settings.namespace == "jobs"
    pods = settings.pods
    assert (pods.namespace, pods.image, pods.mode) == ("jobs", "localhost/jobctl/worker:1", "pod")
    assert (pods.pool.minimum, pods.pool.maximum) == (2, 5)
    assert pods.pool.resources == {"limits": {"memory": "3Gi"}}
    assert settings.standalone
    assert settings.store_location == Path("/var/lib/jobctl/state.db")
    assert settings.identity.project_name == "jobs"


def test_a_store_that_is_not_postgresql_is_refused_naming_the_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="mysql"):
        settings_of("--store=mysql://db/jobs", monkeypatch=monkeypatch)
