"""What the SDK scripts share: each call's outcome, recorded instead of raised, so one run of a
script shows every incompatibility. Imported by the scripts as a sibling module (they run in the
SDK's own virtualenv, where the project is not installed)."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any


class Recorder:
    def __init__(self) -> None:
        self.calls: dict[str, str] = {}
        self.seen: dict[str, Any] = {}

    def call(self, name: str, action: Callable[[], Any]) -> Any:
        """The call's value (``None`` if it raised, with the exception recorded)."""
        try:
            value = action()
        except Exception as exc:
            body = json.dumps(getattr(exc, "body", None))
            self.calls[name] = f"{type(exc).__name__}: {exc}: {body}"[:800]
            traceback.print_exc(file=sys.stderr)
            return None
        self.calls[name] = "ok"
        return value

    def refused(self, name: str, action: Callable[[], Any], status: int = 409) -> None:
        """The call must fail with ``status`` (409: edit the file or resource instead)."""
        try:
            action()
        except Exception as exc:
            got = getattr(exc, "status_code", None)
            self.calls[name] = "ok" if got == status else f"{type(exc).__name__}: {exc}"[:500]
            return
        self.calls[name] = f"accepted where a {status} was expected"

    def report(self) -> None:
        print(json.dumps({"calls": self.calls, "seen": self.seen}))
