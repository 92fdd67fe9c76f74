"""Lines for people, as the runtime and its parts print them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from ..spec import Redactor


class Lines:
    """Each line stamped with the injected clock and its secrets redacted (the redactor learns
    every definition's secrets as they are read)."""

    def __init__(self, clock: Callable[[], int], redactor: Redactor, out: TextIO) -> None:
        self._clock, self._redactor, self._out = clock, redactor, out

    def say(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(self._clock() / 1000))
        print(f"{stamp} {self._redactor.redact(text)}", file=self._out, flush=True)
