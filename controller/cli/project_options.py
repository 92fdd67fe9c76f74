"""The automation project as the local commands (``jobctl run``, ``jobctl dev run``) take it: its
``Intuned.json[c]``, its environment variables for API code (``.env``, ``--env-file``), and the
local launcher that runs its code in its own Python environment.

Environment variables of the project go to the worker processes only, never to the
controller's own environment, its output or its state; workers mask their values in attempt
logs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from ..launch import LocalLauncher, WorkerDefaults
from ..projectenv import EnvironmentBuilder
from ..spec.intuned_json import ProjectSettings, read_project_settings

DEFAULT_MAX_WORKERS = 4
DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class EnvFileError(ValueError):
    pass


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-file",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="environment variables for the project's code (KEY=VALUE lines), given to "
        "workers only (repeatable; default: the project's .env, if any)",
    )


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def project_settings(project_dir: Path) -> ProjectSettings:
    """The project's Intuned.json[c] (``ProjectSettingsError`` when it is wrong), said once
    where it is not applied."""
    project = read_project_settings(project_dir)
    if project.not_applied:
        say(f"{project.file}: not applied here: {'; '.join(project.not_applied)}")
    if project.recorder_sessions:
        say(
            f"{project.file}: recorder-based AuthSessions: define each as an AuthSession with "
            '"type": "recorder" and its startUrl; a person signs in from the dashboard '
            "(AuthSessions, Sign in) or with `jobctl authsessions record ID`"
        )
    if project.settings.apiAccess is not None and not project.settings.apiAccess.enabled:
        say(f"{project.file}: apiAccess.enabled is false: the API is governed by --listen here")
    return project


def env_files(project_dir: Path, given: list[Path]) -> dict[str, str]:
    """The variables of ``given`` files, in order (later ones win), else of the project's
    ``.env``; ``EnvFileError`` names the file and line of a line that is not KEY=VALUE."""
    files = given or [p for p in [project_dir / ".env"] if p.is_file()]
    variables: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise EnvFileError(f"{path}: cannot be read: {exc.strerror}") from None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = DOTENV_LINE.match(line)
            if match is None:
                raise EnvFileError(
                    f"{path}:{number}:1: not a KEY=VALUE line; write NAME=value (a # starts a "
                    "comment line)"
                )
            variables[match.group(1)] = _unquoted(match.group(2))
    return variables


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.encode().decode("unicode_escape") if value[0] == '"' else inner
    return value.split(" #", 1)[0].rstrip()


def local_launcher(
    project_dir: Path,
    state: Path,
    project: ProjectSettings,
    *,
    capacity: int,
    attempts_per_worker: int,
    environment: dict[str, str],
) -> LocalLauncher:
    proxy = project.settings.proxy
    headful = project.settings.headful and bool(os.environ.get("DISPLAY"))
    if project.settings.headful and not headful:
        say(f"{project.file}: headful: no display here ($DISPLAY unset); Chromium runs headless")
    defaults = WorkerDefaults(
        proxy=None if proxy is None else proxy.get_secret_value(),
        headful=headful,
        environment=environment,
    )
    return LocalLauncher(
        project=project_dir,
        artifacts=state / "attempts",
        capacity=capacity,
        attempts_per_worker=attempts_per_worker,
        environments=EnvironmentBuilder(say=say),
        defaults=defaults,
    )
