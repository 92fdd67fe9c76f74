"""Launchers: where attempts run. ``LocalLauncher`` runs them in worker processes here."""

from .local import LocalLauncher, WorkerDefaults

__all__ = ["LocalLauncher", "WorkerDefaults"]
