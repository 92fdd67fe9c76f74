"""Attempt logs never hold the values of the project's own environment variables."""

from __future__ import annotations

from pathlib import Path

from controller.worker.logs import AttemptLog, project_secrets


def test_secret_values_are_masked_even_when_written_in_pieces(tmp_path: Path) -> None:
    log = AttemptLog(tmp_path / "log.txt", ["s3cr3t-token", "longer-s3cr3t-token"])
    log.write("token is s3cr")
    log.write("3t-token\nand longer-s3cr3t-token\n")
    log.write("no newline at the end: s3cr3t-token")
    log.close()
    assert (tmp_path / "log.txt").read_text() == (
        "token is ***\nand ***\nno newline at the end: ***"
    )


def test_only_the_projects_variables_long_enough_to_be_secrets_are_masked(monkeypatch) -> None:
    monkeypatch.setenv("JOBCTL_PROJECT_ENV_NAMES", "API_KEY,DEBUG,UNSET")
    monkeypatch.setenv("API_KEY", "k-1234567")
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.delenv("UNSET", raising=False)
    assert project_secrets() == ["k-1234567"]
