"""Where people reach this controller: links to the files it keeps are made under it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class PublicUrl:
    """The API's URL, set once it listens (None: no API is served). Results files and attempts'
    artifacts are then linked as the API's own authenticated URLs, never as paths of the
    controller's disk (which are another machine's for everyone but the controller)."""

    base: str | None = None

    def link(self, path: str, local: Path) -> str:
        """``path`` under the API's URL; without an API, ``local`` as a ``file://`` URL."""
        return local.resolve().as_uri() if self.base is None else f"{self.base}{path}"
