"""Durable state behind small Protocols (``base``); ``SqlStore`` keeps it in a SQLite file (the
embedded default) or a PostgreSQL database, chosen by ``open_store``'s location."""

from .base import (
    AuthStates,
    DeliveryQueue,
    Documents,
    PersistentStore,
    QueuedDelivery,
    RunQueries,
    Store,
    StoredState,
    Watermark,
)
from .full import StateFullError, is_full
from .run_queries import RunFilter
from .sql_store import POSTGRESQL_SCHEMES, SqlStore, open_store

__all__ = [
    "POSTGRESQL_SCHEMES",
    "AuthStates",
    "DeliveryQueue",
    "Documents",
    "PersistentStore",
    "QueuedDelivery",
    "RunFilter",
    "RunQueries",
    "SqlStore",
    "StateFullError",
    "Store",
    "StoredState",
    "Watermark",
    "is_full",
    "open_store",
]
