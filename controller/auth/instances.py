"""Saved AuthSession instances of an Intuned project: ``auth-sessions-instances/<id>/
auth-session.json``, a browser's storage state that someone signed in with (``intuned dev``
saves them). A session with no stored state yet starts from it instead of running
``create.py`` first."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

FILE = "auth-session.json"


def saved_states(folder: Path | None) -> Callable[[str], dict[str, Any] | None]:
    def first_state(session_id: str) -> dict[str, Any] | None:
        if folder is None or "/" in session_id or session_id.startswith("."):
            return None
        try:
            saved = json.loads((folder / session_id / FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # none, or unreadable: the session is created as usual
        if isinstance(saved, dict) and isinstance(saved.get("storageState"), dict):
            saved = saved["storageState"]
        is_state = isinstance(saved, dict) and {"cookies", "origins"} & saved.keys()
        return saved if is_state else None

    return first_state
