"""A project's own Python environment: the interpreter its ``requires-python`` asks for and the
dependencies it declares, in a virtualenv that workers run the project's code in.

One environment per set of requirements (``ProjectRequirements.key``: the interpreter's
version and the sorted requirement list), under a cache folder, built once with uv and reused
across runs, restarts and projects that declare the same. It is built in a folder of its own
and renamed into place only when complete (a killed build leaves no half environment behind;
the next build starts over), under a file lock (two controllers on one machine build it once).
The environment is relocatable, and finds jobctl's worker through a ``.pth`` file that names
a folder inside it (a link to jobctl's ``controller`` package), so jobctl's own dependencies
never mix with the project's.

A project that declares nothing runs on jobctl's own interpreter, as it always did.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uv import find_uv_bin

from .interpreters import NoInterpreterError, candidates, choose, probe
from .requirements import WORKER_NEEDS, ProjectRequirements, RequirementsError, read

READY = "jobctl-ready"
"""Written last into a complete environment."""
JOBCTL_PATH = "jobctl-path"
"""The folder inside an environment that holds the link to jobctl's ``controller`` package."""
PTH = "jobctl-worker.pth"
PTH_LINE = f"import os, sys; sys.path.append(os.path.join(sys.prefix, {JOBCTL_PATH!r}))\n"


def default_cache() -> Path:
    configured = os.environ.get("JOBCTL_ENV_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jobctl" / "envs"


@dataclass(frozen=True)
class ProjectEnvironment:
    python: Path
    """The interpreter that runs the project's code (and jobctl's worker around it)."""
    key: str | None = None
    """None: the project declares nothing and runs on jobctl's interpreter."""


class ProjectEnvironmentError(RuntimeError):
    """The environment cannot be made; the message is located and says what to do."""


class EnvironmentBuilder:
    def __init__(self, cache: Path | None = None, *, say: Callable[[str], None] = print) -> None:
        self.cache = cache or default_cache()
        self.say = say

    def ensure(self, project: Path) -> ProjectEnvironment:
        """The project's environment, built first if it is not there. Blocking (an install
        takes seconds to minutes): call it from a thread in async code."""
        try:
            requirements = read(project)
        except RequirementsError as exc:
            raise ProjectEnvironmentError(str(exc)) from None
        if requirements.source is None:
            return ProjectEnvironment(Path(sys.executable))
        try:
            choice = choose(
                requirements.requires_python,
                probe(candidates()),
                source=str(requirements.source),
            )
        except NoInterpreterError as exc:
            raise ProjectEnvironmentError(str(exc)) from None
        if choice.warning:
            self.say(choice.warning)
        interpreter = choice.interpreter
        playwright = importlib.metadata.version("playwright")
        key = requirements.key(str(interpreter.version), playwright)
        target = self.cache / key
        self.cache.mkdir(parents=True, exist_ok=True)
        with (self.cache / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (target / READY).exists():
                self._build(requirements, interpreter.path, playwright, target)
        return ProjectEnvironment(target / "bin" / "python", key)

    def _build(
        self, requirements: ProjectRequirements, python: Path, playwright: str, target: Path
    ) -> None:
        name = target.name
        building = target.with_name(f"{name}.building")
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        install = requirements.install_list(playwright)
        provided = f" ({', '.join(requirements.provided)}: provided by jobctl)"
        pinned = any(d.name == WORKER_NEEDS for d in requirements.declared)
        driver = "the project's playwright" if pinned else f"playwright {playwright} (jobctl's)"
        self.say(
            f"project environment {name}: Python {python} with {len(install)} requirement(s) "
            f"from {requirements.source}{provided if requirements.provided else ''}; {driver}"
        )
        uv = str(find_uv_bin())
        self._run([uv, "venv", "--quiet", "--relocatable", "--python", str(python), str(building)])
        listed = building / "jobctl-requirements.txt"
        listed.write_text("".join(f"{line}\n" for line in install))
        output = self._run(
            [uv, "pip", "install", "--python", str(building / "bin" / "python"), "-r", str(listed)],
            check=False,
        )
        if output is not None:
            shutil.rmtree(building, ignore_errors=True)
            raise ProjectEnvironmentError(_located(requirements, output))
        _link_worker(building)
        (building / READY).write_text(f"{python}\n")
        building.rename(target)
        self.say(f"project environment {name}: ready")

    def _run(self, command: list[str], *, check: bool = True) -> str | None:
        """Runs an installer step, its output in the log as it comes; None when it succeeded,
        else its output (or an error when ``check``)."""
        lines: list[str] = []
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip())
                self.say(f"  {line.rstrip()}")
        if process.returncode == 0:
            return None
        if check:
            raise ProjectEnvironmentError(
                f"{' '.join(command[:3])} failed ({process.returncode}): {' '.join(lines[-5:])}"
            )
        return "\n".join(lines)


def _link_worker(environment: Path) -> None:
    """jobctl's worker importable in the environment, without jobctl's dependencies."""
    folder = environment / JOBCTL_PATH
    folder.mkdir()
    (folder / "controller").symlink_to(
        Path(__file__).resolve().parents[1], target_is_directory=True
    )
    for site in environment.glob("lib/python*/site-packages"):
        (site / PTH).write_text(PTH_LINE)


def _located(requirements: ProjectRequirements, output: str) -> str:
    """The installer's refusal, located at the requirement it names (the first one it does)."""
    lowered = output.lower().replace("_", "-")
    named = [d for d in requirements.declared if d.name in lowered]
    named.sort(key=lambda d: lowered.find(d.name))
    detail = " ".join(line.strip(" ╰─▶│") for line in output.splitlines()[-6:] if line.strip())
    if named:
        first = named[0]
        return (
            f"{requirements.locate(first.name)}: {first.text!r} could not be installed: "
            f"{detail}; fix or remove this requirement"
        )
    return (
        f"{requirements.source}: the project's dependencies could not be installed: {detail}; "
        "fix them and run again"
    )
