"""Modules user code imports by Intuned's names. The worker puts this folder first on the path
of an attempt's process (never on the controller's), so that ``import intuned_runtime`` finds
jobctl's implementation even beside an installed ``intuned-runtime``."""

from pathlib import Path

FOLDER = Path(__file__).parent
