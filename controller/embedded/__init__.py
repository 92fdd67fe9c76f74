"""The embedded runtime: one process, job files on disk, SQLite state, local workers."""

from .controller import EmbeddedController, Settings

__all__ = ["EmbeddedController", "Settings"]
