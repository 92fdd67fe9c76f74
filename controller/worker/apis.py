"""Loading ``api/<name>.py`` from an automation project (``a/b`` names are nested folders)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..vocabulary import ErrorCode
from . import compat

Automation = Callable[..., Awaitable[Any]]


class ApiNotFoundError(LookupError):
    pass


class ProjectIncompleteError(ApiNotFoundError):
    """Not one API but the project is missing something (``code``: ``PROJECT_INCOMPLETE``):
    the controller ends the JobRun rather than fail every Run of it."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class ModuleLoadError(Exception):
    """A file of the project failed to import (a syntax error, a missing dependency): the
    attempt fails at once with it, whatever the file is (an API, a hook, a check)."""

    def __init__(self, relative: str, cause: BaseException) -> None:
        super().__init__(f"{relative}: {type(cause).__name__}: {cause}")


class ApiLoader:
    """Caches each API module until its file changes, so a warm worker imports it once.

    The project's folder goes on the path (its helper modules import normally), and before it
    ``compat/``: ``import intuned_runtime`` finds jobctl's runtime API even when the project's
    environment also has the real ``intuned-runtime``."""

    def __init__(self, project: Path) -> None:
        self.project = project.resolve()
        self._cache: dict[str, tuple[float, Automation]] = {}
        for folder in (str(self.project), str(compat.FOLDER)):
            if folder in sys.path:
                sys.path.remove(folder)
            sys.path.insert(0, folder)

    def load(self, name: str) -> Automation:
        path = (self.project / "api" / f"{name}.py").resolve()
        api_root = self.project / "api"
        if not api_root.is_dir():
            raise ProjectIncompleteError(
                "api-folder-missing",
                f"the project {self.project} has no api/ folder: is it the automation project, "
                "and fully deployed?",
            )
        if ".." in name.split("/") or api_root not in path.parents or not path.is_file():
            raise ApiNotFoundError(f"API {name!r} not found: no file api/{name}.py in the project")
        return self._function(path, f"api/{name}.py", "automation", "(page, params, **_kwargs)")

    def load_auth_hook(self, hook: str) -> Automation:
        """``auth-sessions/check.py`` (``check``) or ``auth-sessions/create.py`` (``create``)."""
        relative = f"auth-sessions/{hook}.py"
        path = self.project / relative
        if not path.is_file():
            raise ProjectIncompleteError(
                "auth-hook-missing", f"the project has no {relative}, which AuthSessions need"
            )
        arguments = "(page, **_kwargs)" if hook == "check" else "(page, params, **_kwargs)"
        return self._function(path, relative, hook, arguments)

    def load_setup_hook(self) -> Automation | None:
        """``hooks/setup_context.py`` (``setup_context``), run before every attempt; None when
        the project has none."""
        relative = "hooks/setup_context.py"
        path = self.project / relative
        if not path.is_file():
            return None
        arguments = "(*, api_name, api_parameters, cdp_url)"
        return self._function(path, relative, "setup_context", arguments)

    def _function(self, path: Path, relative: str, name: str, arguments: str) -> Automation:
        mtime = path.stat().st_mtime
        cached = self._cache.get(relative)
        if cached and cached[0] == mtime:
            return cached[1]
        module_name = "jobctl_api." + relative.removesuffix(".py").replace("/", ".")
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise ModuleLoadError(relative, exc) from exc
        function = getattr(module, name, None)
        if not inspect.iscoroutinefunction(function):
            raise ApiNotFoundError(f"{relative} defines no `async def {name}{arguments}`")
        self._cache[relative] = (mtime, function)
        return function


def accepts_extra_keywords(function: Automation) -> bool:
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(function).parameters.values()
    )


def takes_page_only(function: Automation) -> bool:
    """Whether ``function(page)`` binds: how Intuned calls an API for a Run with no parameters
    (``automation(page)``), and ``params=None`` forms too."""
    try:
        inspect.signature(function).bind(None)
    except TypeError:
        return False
    return True
