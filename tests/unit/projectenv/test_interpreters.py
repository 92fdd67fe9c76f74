"""Choosing the interpreter a project's requires-python asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from controller.projectenv.interpreters import Interpreter, NoInterpreterError, choose

FOUND = [Interpreter(Path(f"/py/{v}"), Version(v)) for v in ("3.11.7", "3.12.1", "3.13.0")]


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [(">=3.12,<3.13", "3.12.1"), (">=3.11", "3.13.0"), (None, "3.13.0"), ("==3.11.*", "3.11.7")],
)
def test_the_newest_python_that_meets_requires_python_is_chosen(wanted, chosen) -> None:
    choice = choose(wanted, FOUND, source="pyproject.toml")
    assert str(choice.interpreter.version) == chosen and choice.warning is None


def test_without_a_match_the_nearest_is_used_with_a_warning_that_says_so() -> None:
    choice = choose(">=3.14", FOUND, source="p/pyproject.toml")
    assert str(choice.interpreter.version) == "3.13.0"
    assert choice.warning is not None
    assert "p/pyproject.toml: no Python here meets requires-python '>=3.14'" in choice.warning
    assert "3.11.7, 3.12.1, 3.13.0" in choice.warning


def test_an_unreadable_requires_python_is_an_error_naming_the_file() -> None:
    with pytest.raises(NoInterpreterError, match=r"p/pyproject\.toml: requires-python 'three'"):
        choose("three", FOUND, source="p/pyproject.toml")
