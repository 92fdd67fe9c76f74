"""Durable state behind a small Protocol; ``SqliteStore`` is the embedded implementation."""

from .auth_states import SqliteAuthStates
from .base import (
    DeliveryQueue,
    QueuedDelivery,
    RunQueries,
    Store,
    StoredState,
    Watermark,
)
from .delivery_queue import SqliteDeliveryQueue
from .documents import SqliteDocuments
from .full import StateFullError, is_full
from .run_queries import RunFilter, SqliteRunQueries
from .sqlite import SqliteStore

__all__ = [
    "DeliveryQueue",
    "QueuedDelivery",
    "RunFilter",
    "RunQueries",
    "SqliteAuthStates",
    "SqliteDeliveryQueue",
    "SqliteDocuments",
    "SqliteRunQueries",
    "SqliteStore",
    "StateFullError",
    "Store",
    "StoredState",
    "Watermark",
    "is_full",
]
