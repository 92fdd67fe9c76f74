"""Attempt logs never hold the values of the project's own environment variables."""

from __future__ import annotations

import asyncio
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


def test_the_live_log_gets_masked_text_gathered_and_nothing_after_close(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr("controller.worker.logs.LIVE_EVERY_S", 0.05)
    sent: list[str] = []

    async def attempt() -> None:
        log = AttemptLog(tmp_path / "log.txt", ["s3cr3t-token"], live=sent.append)
        log.write("one s3cr3t-token\n")
        log.write("two\n")
        assert sent == []  # gathered, not one event per write
        await asyncio.sleep(0.2)
        assert sent == ["one ***\ntwo\n"]
        log.write("three, unfinished")
        log.close()  # the rest goes before close returns
        await asyncio.sleep(0.2)

    asyncio.run(attempt())
    assert sent == ["one ***\ntwo\n", "three, unfinished"]
    assert (tmp_path / "log.txt").read_text() == "one ***\ntwo\nthree, unfinished"
