"""Durable state behind a small Protocol; ``SqliteStore`` is the embedded implementation."""

from .base import DeliveryQueue, QueuedDelivery, Store, StoredJob, StoredState, Watermark
from .delivery_queue import SqliteDeliveryQueue
from .sqlite import SqliteStore

__all__ = [
    "DeliveryQueue",
    "QueuedDelivery",
    "SqliteDeliveryQueue",
    "SqliteStore",
    "Store",
    "StoredJob",
    "StoredState",
    "Watermark",
]
