"""Durable state behind a small Protocol; ``SqliteStore`` is the embedded implementation."""

from .auth_states import SqliteAuthStates
from .base import DeliveryQueue, QueuedDelivery, Store, StoredJob, StoredState, Watermark
from .delivery_queue import SqliteDeliveryQueue
from .documents import SqliteDocuments
from .full import StateFullError, is_full
from .sqlite import SqliteStore

__all__ = [
    "DeliveryQueue",
    "QueuedDelivery",
    "SqliteAuthStates",
    "SqliteDeliveryQueue",
    "SqliteDocuments",
    "SqliteStore",
    "StateFullError",
    "Store",
    "StoredJob",
    "StoredState",
    "Watermark",
    "is_full",
]
