"""What one delivery attempt came to, as the sinks report it to the deliverer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OutcomeStatus = Literal["delivered", "retry", "gone", "refused", "dropped", "waiting"]


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus
    """delivered; retry (transient: try again later); gone (HTTP 410: stop sending to this
    target); refused (the target's settings are wrong: hold until a person fixes them);
    dropped (there is no target any more); waiting (not yet: something must happen first; no
    attempt was made)."""
    detail: str = ""
    """What went wrong, for people. Callers redact it before it is stored or printed."""
    retry_after_ms: int | None = None


DELIVERED = Outcome("delivered")
