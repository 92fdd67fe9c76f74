"""Stores for tests: every backend the contract suite runs on, opened and closed for a test."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from controller.store import SqlStore, open_store
from tests.unit.engine.harness import Scenario


@dataclass
class Backend:
    """A store's location on one backend; ``open`` again to see what a restart sees."""

    name: str
    location: str | Path
    opened: list[SqlStore] = field(default_factory=list)

    def open(self) -> SqlStore:
        store = open_store(self.location)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


def save_all(s: Scenario, store: SqlStore) -> None:
    """What the scenario's passes changed, saved as the runtime saves it (a pass at a time)."""
    for output in s.outputs:
        store.save(output.changes)
    s.outputs.clear()
