"""What a project declares, read from its files, located for error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.projectenv.requirements import (
    RequirementsError,
    from_pyproject,
    from_requirements_txt,
    read,
)

PYPROJECT = """\
[project]
name = "demo"
requires-python = ">=3.12,<3.13"
dependencies = [
    "intuned-runtime==1.3.49",
    "intuned-browser==0.1.19",
    "Beautiful_Soup4>=4.12",
]
"""


def test_declared_requirements_are_located_and_intuned_runtime_is_left_to_jobctl() -> None:
    found = from_pyproject(Path("p/pyproject.toml"), PYPROJECT)
    assert found.requires_python == ">=3.12,<3.13"
    assert [d.text for d in found.declared] == ["intuned-browser==0.1.19", "Beautiful_Soup4>=4.12"]
    assert found.provided == ("intuned-runtime",)
    assert found.locate("beautiful.soup4") == "p/pyproject.toml:7:6"  # names as pip compares them
    assert found.locate("missing") == "p/pyproject.toml"


def test_the_workers_playwright_is_added_unless_the_project_pins_one() -> None:
    found = from_requirements_txt(Path("requirements.txt"), "bs4\n# a comment\n-e .\n")
    assert found.install_list("1.50.0") == ["bs4", "playwright==1.50.0"]
    pinned = from_requirements_txt(Path("requirements.txt"), "Playwright==1.49.1\n")
    assert pinned.install_list("1.50.0") == ["Playwright==1.49.1"]


def test_the_environment_key_changes_with_the_requirements_and_the_python() -> None:
    one = from_requirements_txt(Path("r"), "a==1\nb==2\n")
    same = from_requirements_txt(Path("r"), "b==2\na==1\n")
    other = from_requirements_txt(Path("r"), "a==1\nb==3\n")
    assert one.key("3.12.1", "1.50") == same.key("3.12.1", "1.50")
    assert one.key("3.12.1", "1.50") != other.key("3.12.1", "1.50")
    assert one.key("3.12.1", "1.50") != one.key("3.13.0", "1.50")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[project]\ndependencies = ["bs4 >>= 1"]\n', "p/pyproject.toml:2:18: 'bs4 >>= 1'"),
        ("[project\n", "p/pyproject.toml:1:"),
        ('[project]\ndependencies = "bs4"\n', "p/pyproject.toml:2:1: [project] dependencies"),
    ],
)
def test_a_project_file_that_cannot_be_read_gets_a_located_error(text: str, where: str) -> None:
    with pytest.raises(RequirementsError) as raised:
        from_pyproject(Path("p/pyproject.toml"), text)
    assert str(raised.value).startswith(where)


def test_a_project_without_a_pyproject_uses_its_requirements_txt(tmp_path: Path) -> None:
    assert read(tmp_path).source is None
    (tmp_path / "requirements.txt").write_text("bs4\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    found = read(tmp_path)
    assert found.source == tmp_path / "requirements.txt" and found.declared[0].name == "bs4"
