"""``Intuned.jsonc`` / ``Intuned.json``: an Intuned project's settings, read as jobctl applies them.

Intuned's file carries settings for its platform as well as for the project. Those jobctl
applies are validated with located errors (``file:line:col``); the rest (``stealthMode``,
``captchaSolver``, ``replication.size``, keys this version does not know) are accepted and
listed as not applied, so the controller can say so once instead of refusing a project that
runs fine without them. Pure: text in, settings out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ._documents import SyntaxProblem, parse_json5
from ._errors import problems_from_validation
from ._problems import Problem

FILE_NAMES = ("Intuned.jsonc", "Intuned.json")
NOT_APPLIED = ("stealthMode", "captchaSolver", "workspaceId", "region", "deploy")
"""Settings of Intuned's platform that have no meaning here."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)


class Replication(_Lenient):
    maxConcurrentRequests: int | None = Field(
        default=None, ge=1, description="Attempts at once (jobctl run's --max-workers)."
    )
    size: str | None = Field(default=None, description="Machine size on Intuned; not applied.")


class AuthSessionsSettings(_Lenient):
    enabled: bool = False
    type: str | None = Field(
        default=None, description="API (credentials-based) or MANUAL / RECORDER (recorded)."
    )


class ApiAccess(_Lenient):
    enabled: bool = True


class IntunedSettings(_Lenient):
    projectName: str | None = Field(default=None, min_length=1)
    replication: Replication | None = None
    authSessions: AuthSessionsSettings | None = None
    apiAccess: ApiAccess | None = None
    headful: bool = False
    proxy: SecretStr | None = Field(default=None, description="Default proxy URL of every Run.")


@dataclass(frozen=True)
class ProjectSettings:
    file: str | None
    """The file they were read from (None: the project has none)."""
    settings: IntunedSettings
    not_applied: tuple[str, ...] = ()

    @property
    def max_concurrent_requests(self) -> int | None:
        replication = self.settings.replication
        return None if replication is None else replication.maxConcurrentRequests

    @property
    def recorder_sessions(self) -> bool:
        auth = self.settings.authSessions
        recorded = ("MANUAL", "RECORDER")
        return auth is not None and auth.enabled and str(auth.type).upper() in recorded


class ProjectSettingsError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def find(project: Path) -> Path | None:
    for name in FILE_NAMES:
        if (project / name).is_file():
            return project / name
    return None


def read_project_settings(project: Path) -> ProjectSettings:
    """The project's settings (defaults when it has no ``Intuned.json[c]``);
    ``ProjectSettingsError`` with located problems when the file is wrong."""
    path = find(project)
    if path is None:
        return ProjectSettings(None, IntunedSettings())
    return parse_project_settings(path.read_text(encoding="utf-8"), str(path))


def parse_project_settings(text: str, file: str) -> ProjectSettings:
    try:
        document = parse_json5(text)
    except SyntaxProblem as exc:
        raise ProjectSettingsError([Problem(file, exc.position, exc.message)]) from None
    data = document.data
    if not isinstance(data, dict):
        where = document.positions.locate(())
        problem = Problem(file, where, "Intuned.json must hold one JSON object")
        raise ProjectSettingsError([problem])
    try:
        settings = IntunedSettings.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(
            exc, file=file, data=data, positions=document.positions, model=IntunedSettings
        )
        raise ProjectSettingsError(problems) from None
    return ProjectSettings(file, settings, _not_applied(settings))


def _not_applied(settings: IntunedSettings) -> tuple[str, ...]:
    found = [f"{key} ({_why(key)})" for key in settings.model_extra or {}]
    if settings.replication is not None:
        if settings.replication.size is not None:
            found.append("replication.size (machines are sized by where jobctl runs)")
        found += [f"replication.{key}" for key in settings.replication.model_extra or {}]
    if settings.authSessions is not None:
        found += [f"authSessions.{key}" for key in settings.authSessions.model_extra or {}]
    return tuple(found)


def _why(key: str) -> str:
    return "a setting of Intuned's platform" if key in NOT_APPLIED else "not known to jobctl"
