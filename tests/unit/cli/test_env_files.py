"""A project's environment variables for its code, from .env files."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.cli.project_options import EnvFileError, env_files


def test_the_projects_dotenv_is_read_when_no_file_is_given(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# keys for the API code\nexport API_KEY=abc123\nQUOTED=\"a b\\tc\"\nSINGLE='$x'\n"
        "TRAILING=value # a comment\nEMPTY=\n"
    )
    assert env_files(tmp_path, []) == {
        "API_KEY": "abc123",
        "QUOTED": "a b\tc",
        "SINGLE": "$x",
        "TRAILING": "value",
        "EMPTY": "",
    }


def test_given_files_replace_the_dotenv_and_later_ones_win(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=dotenv\n")
    (tmp_path / "one.env").write_text("A=1\nB=1\n")
    (tmp_path / "two.env").write_text("B=2\n")
    assert env_files(tmp_path, [tmp_path / "one.env", tmp_path / "two.env"]) == {"A": "1", "B": "2"}


def test_a_line_that_is_not_key_value_is_located(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\nthis is not a setting\n")
    with pytest.raises(EnvFileError, match=r"\.env:2:1: not a KEY=VALUE line"):
        env_files(tmp_path, [])
