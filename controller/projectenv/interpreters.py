"""Finding a Python that meets a project's ``requires-python``, where uv and pip users keep
them: on ``PATH`` (``python3``, ``python3.X``), pyenv's versions (``$PYENV_ROOT``, else
``~/.pyenv``) and uv's managed Pythons (``$UV_PYTHON_INSTALL_DIR``, else
``~/.local/share/uv/python``). The newest that matches wins; when none does, the nearest
version is used, with a warning that says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

ASK_VERSION = "import sys; print(sys.executable); print(sys.version.split()[0])"
MINIMUM = Version("3.10")
"""The oldest Python the worker runs on."""


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: Version


@dataclass(frozen=True)
class Choice:
    interpreter: Interpreter
    warning: str | None = None


class NoInterpreterError(RuntimeError):
    pass


def candidates(environ: dict[str, str] | None = None) -> list[Path]:
    environ = dict(os.environ if environ is None else environ)
    home = Path(environ.get("HOME", str(Path.home())))
    found: list[Path] = []
    for name in ["python3", *(f"python3.{minor}" for minor in range(10, 20))]:
        located = shutil.which(name, path=environ.get("PATH"))
        if located:
            found.append(Path(located))
    pyenv = Path(environ.get("PYENV_ROOT", str(home / ".pyenv"))) / "versions"
    uv = Path(environ.get("UV_PYTHON_INSTALL_DIR", str(home / ".local/share/uv/python")))
    for root in (pyenv, uv):
        if root.is_dir():
            found += sorted(root.glob("*/bin/python3"))
    return found


def probe(paths: Iterable[Path]) -> list[Interpreter]:
    """Each path's version, asked of the interpreter itself (a pyenv shim or a symlink says
    nothing by its name); duplicates and those that fail to answer are dropped."""
    seen: dict[Path, Interpreter] = {}
    for path in paths:
        try:
            answer = subprocess.run(
                [
                    str(path),
                    "-c",
                    "import sys; print(sys.executable); print(sys.version.split()[0])",
                ],
                capture_output=True,
                text=True,
                timeout=20,
                check=True,
            ).stdout.split()
            executable, version = Path(answer[0]).resolve(), Version(answer[1])
        except (OSError, subprocess.SubprocessError, IndexError, ValueError):
            continue
        if version >= MINIMUM:
            seen.setdefault(executable, Interpreter(executable, version))
    return list(seen.values())


def choose(requires_python: str | None, found: list[Interpreter], *, source: str) -> Choice:
    """The newest interpreter that meets ``requires_python`` (the newest of all when the
    project says nothing); else the nearest, with a warning."""
    if not found:
        raise NoInterpreterError(
            f"no Python {MINIMUM} or newer found on PATH, in pyenv or among uv's Pythons"
        )
    if not requires_python:
        return Choice(max(found, key=lambda i: i.version))
    try:
        wanted = SpecifierSet(requires_python)
    except InvalidSpecifier:
        raise NoInterpreterError(
            f"{source}: requires-python {requires_python!r} is not a version specifier"
        ) from None
    matching = [i for i in found if wanted.contains(i.version, prereleases=True)]
    if matching:
        return Choice(max(matching, key=lambda i: i.version))
    target = _target(wanted)
    nearest = min(found, key=lambda i: abs(_minor(i.version) - target))
    versions = ", ".join(sorted({str(i.version) for i in found}))
    return Choice(
        nearest,
        f"warning: {source}: no Python here meets requires-python {requires_python!r} (found "
        f"{versions}); using {nearest.version}, the nearest. Install a matching one (pyenv "
        "install, uv python install) to run the project as written",
    )


def _minor(version: Version) -> float:
    return version.major * 100 + version.minor


def _target(wanted: SpecifierSet) -> float:
    """The version the specifier is about (its lower bounds, else its upper ones)."""
    bounds = [
        Version(re.sub(r"\.\*$", "", s.version))
        for s in wanted
        if s.operator in (">=", "==", "~=", ">")
    ] or [Version(re.sub(r"\.\*$", "", s.version)) for s in wanted]
    return max(_minor(v) for v in bounds) if bounds else _minor(MINIMUM)
