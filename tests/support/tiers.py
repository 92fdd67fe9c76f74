"""Each tier folder's ``conftest.py`` marks its own tests with the tier's marker (``-m cluster``
selects the folder), so no test module repeats it."""

from __future__ import annotations

from pathlib import Path

import pytest


def mark_tier(items: list[pytest.Item], folder: Path, marker: pytest.MarkDecorator) -> None:
    for item in items:
        if folder in item.path.parents:
            item.add_marker(marker)
