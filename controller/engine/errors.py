"""What the engine's commands raise: the caller's fault, never a crash of the engine."""

from __future__ import annotations


class EngineError(Exception):
    """A command that cannot be carried out (unknown job, paused job, ...): the caller's fault."""


class NotFoundError(EngineError):
    """The command names a Job or JobRun the engine does not know."""


class InvalidDefinitionError(EngineError):
    """A Job definition given to a command is not valid; ``problems`` are ``path: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
