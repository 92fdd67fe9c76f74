"""A project's own Python environment: its interpreter and declared dependencies."""

from .environment import (
    EnvironmentBuilder,
    ProjectEnvironment,
    ProjectEnvironmentError,
    default_cache,
)

__all__ = [
    "EnvironmentBuilder",
    "ProjectEnvironment",
    "ProjectEnvironmentError",
    "default_cache",
]
