"""What a project says it needs: ``pyproject.toml`` (``[project] requires-python`` and
``dependencies``), else ``requirements.txt``. Pure: text in, requirements out, each with the
line and column it was written at, so an installer's refusal can be located in the file.

``intuned-runtime`` (and its old name ``runtime-helpers``) is left out: jobctl serves its API to
the project's code. ``playwright`` is kept at the project's pin when it has one; otherwise the
worker's own version is added, since the worker drives the browser from the project's
environment.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

PROVIDED_BY_JOBCTL = frozenset({"intuned-runtime", "runtime-helpers"})
WORKER_NEEDS = "playwright"


class RequirementsError(ValueError):
    """A project file that cannot be read; the message is located (``file:line:col: ...``)."""


@dataclass(frozen=True)
class Declared:
    text: str
    name: str
    line: int
    column: int


@dataclass(frozen=True)
class ProjectRequirements:
    source: Path | None
    """The file they come from (None: the project declares nothing)."""
    requires_python: str | None = None
    declared: tuple[Declared, ...] = ()
    provided: tuple[str, ...] = field(default=())
    """Declared names jobctl provides instead (left out of the install)."""

    def install_list(self, worker_playwright: str) -> list[str]:
        """What to install: the declared requirements, and the worker's Playwright when the
        project pins none."""
        names = {d.name for d in self.declared}
        extra = [] if WORKER_NEEDS in names else [f"{WORKER_NEEDS}=={worker_playwright}"]
        return [d.text for d in self.declared] + extra

    def key(self, interpreter_version: str, worker_playwright: str) -> str:
        """The environment's name: the same requirements on the same Python share one."""
        text = "\n".join([interpreter_version, *sorted(self.install_list(worker_playwright))])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def locate(self, name: str) -> str:
        """``file:line:col`` of the requirement named ``name`` (the file alone if not found)."""
        for declared in self.declared:
            if declared.name == canonicalize_name(name):
                return f"{self.source}:{declared.line}:{declared.column}"
        return str(self.source)


def read(project: Path) -> ProjectRequirements:
    """The project's ``pyproject.toml``, else its ``requirements.txt``; a project that declares
    neither dependencies nor a Python gets ``source`` None (it runs on jobctl's interpreter)."""
    pyproject, requirements = project / "pyproject.toml", project / "requirements.txt"
    if pyproject.is_file():
        found = from_pyproject(pyproject, pyproject.read_text(encoding="utf-8"))
        if found.declared or found.requires_python:
            return found
    if requirements.is_file():
        return from_requirements_txt(requirements, requirements.read_text(encoding="utf-8"))
    return ProjectRequirements(None)


def from_pyproject(path: Path, text: str) -> ProjectRequirements:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (where.group(1), where.group(2)) if where else ("1", "1")
        raise RequirementsError(f"{path}:{line}:{column}: not valid TOML: {exc}") from None
    project = document.get("project") or {}
    requires_python = project.get("requires-python")
    entries = project.get("dependencies") or []
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise RequirementsError(
            f"{path}:{_line_of(text, 'dependencies')}:1: [project] dependencies must be a list "
            "of requirement strings"
        )
    return _requirements(path, text, entries, requires_python)


def from_requirements_txt(path: Path, text: str) -> ProjectRequirements:
    entries = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            entries.append(line)
    return _requirements(path, text, entries, None)


def _requirements(
    path: Path, text: str, entries: list[str], requires_python: str | None
) -> ProjectRequirements:
    declared, provided = [], []
    for entry in entries:
        line, column = _position(text, entry)
        try:
            requirement = Requirement(entry)
        except InvalidRequirement as exc:
            raise RequirementsError(
                f"{path}:{line}:{column}: {entry!r} is not a valid requirement ({exc}); write "
                "it as NAME, NAME==VERSION or NAME>=VERSION"
            ) from None
        name = canonicalize_name(requirement.name)
        if name in PROVIDED_BY_JOBCTL:
            provided.append(name)
            continue
        declared.append(Declared(entry, name, line, column))
    return ProjectRequirements(path, requires_python, tuple(declared), tuple(provided))


def _position(text: str, entry: str) -> tuple[int, int]:
    index = text.find(entry)
    if index < 0:
        return 1, 1
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _line_of(text: str, word: str) -> int:
    index = text.find(word)
    return 1 if index < 0 else text.count("\n", 0, index) + 1
