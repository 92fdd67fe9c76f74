"""Loading ``api/<name>.py`` from an automation project (``a/b`` names are nested folders)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Automation = Callable[..., Awaitable[Any]]


class ApiNotFoundError(LookupError):
    pass


class ApiLoader:
    """Caches each API module until its file changes, so a warm worker imports it once."""

    def __init__(self, project: Path) -> None:
        self.project = project.resolve()
        self._cache: dict[str, tuple[float, Automation]] = {}
        if str(self.project) not in sys.path:
            sys.path.insert(0, str(self.project))  # project-local helper modules import normally

    def load(self, name: str) -> Automation:
        path = (self.project / "api" / f"{name}.py").resolve()
        api_root = self.project / "api"
        if ".." in name.split("/") or api_root not in path.parents or not path.is_file():
            raise ApiNotFoundError(f"API {name!r} not found: no file api/{name}.py in the project")
        mtime = path.stat().st_mtime
        cached = self._cache.get(name)
        if cached and cached[0] == mtime:
            return cached[1]
        spec = importlib.util.spec_from_file_location(f"jobctl_api.{name.replace('/', '.')}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        function = getattr(module, "automation", None)
        if not inspect.iscoroutinefunction(function):
            raise ApiNotFoundError(
                f"api/{name}.py defines no `async def automation(page, params, **_kwargs)`"
            )
        self._cache[name] = (mtime, function)
        return function


def accepts_extra_keywords(function: Automation) -> bool:
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(function).parameters.values()
    )
