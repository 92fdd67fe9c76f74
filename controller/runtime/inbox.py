"""Messages of the runtime loop's inbox, besides the launcher's attempt events."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import AttemptEvent
from .ports import Change


class Wake:
    """A command changed the engine outside the loop: perform its effects."""


@dataclass(frozen=True)
class SinkRefused:
    """The Job's S3 sink refused a result of this JobRun: the runtime pauses the Job."""

    job_id: str
    job_run_id: str
    why: str


@dataclass(frozen=True)
class ResultsStored:
    """The JobRun's results file was stored: its status can link it now."""

    job_run_id: str


@dataclass(frozen=True)
class DefinitionsChanged:
    """A definition source has a change to apply in the next pass."""

    change: Change


InboxItem = AttemptEvent | Wake | SinkRefused | ResultsStored | DefinitionsChanged | None
"""None: stop."""
