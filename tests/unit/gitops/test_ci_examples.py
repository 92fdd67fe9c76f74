"""The copy-paste examples for CI and Flux stay true: every ``jobctl`` command in the CI pipeline
example parses with the real CLI, and the Flux Kustomization carries the tested health checks."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from controller.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[3]
PIPELINE = ROOT / "examples" / "ci" / "github-actions-deploy.yaml"
FLUX = ROOT / "integrations" / "flux"


def jobctl_commands() -> list[list[str]]:
    workflow = yaml.safe_load(PIPELINE.read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    commands = [shlex.split(s["run"]) for s in steps if s.get("run", "").startswith("jobctl ")]
    return [[word.replace('"', "") for word in command[1:]] for command in commands]


def test_the_pipeline_validates_dry_runs_then_applies_with_prune() -> None:
    commands = jobctl_commands()
    assert [c[0] for c in commands] == ["validate", "apply", "apply"]
    assert "--dry-run" in commands[1] and "--dry-run" not in commands[2]
    assert "--prune" in commands[2]


@pytest.mark.parametrize("command", jobctl_commands(), ids=lambda c: " ".join(c[:2]))
def test_each_jobctl_command_of_the_pipeline_parses(command: list[str]) -> None:
    build_parser().parse_args(command)  # argparse exits (SystemExit) on an unknown option


def test_the_flux_kustomization_carries_the_tested_health_checks() -> None:
    kustomization = yaml.safe_load((FLUX / "kustomization.yaml").read_text())
    checks = yaml.safe_load((FLUX / "health-check-exprs.yaml").read_text())
    assert kustomization["spec"]["healthCheckExprs"] == checks
    assert {c["kind"] for c in checks} == {"Job", "JobRun", "AuthSession"}
