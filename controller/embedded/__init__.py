"""The embedded runtime: one process, job files on disk, SQLite state, local workers."""

from .controller import EmbeddedController
from .settings import Settings, wall_clock_ms

__all__ = ["EmbeddedController", "Settings", "wall_clock_ms"]
