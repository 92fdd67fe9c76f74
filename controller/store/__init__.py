"""Durable state behind a small Protocol; ``SqliteStore`` is the embedded implementation."""

from .base import Store, StoredJob, StoredState, Watermark
from .sqlite import SqliteStore

__all__ = ["SqliteStore", "Store", "StoredJob", "StoredState", "Watermark"]
