"""A PostgreSQL database as a store's ``Database`` (psycopg 3), for state that outlives one
machine: every replica of the controller reaches the same data.

Statements come written for SQLite's ``?`` parameters and are rewritten once each (``%s``; a
literal ``%`` doubled). Connections come from a pool; a write transaction holds one connection
from ``BEGIN`` to ``COMMIT``, and a statement outside one takes a connection for itself and is
committed when it returns (autocommit), as with SQLite. Column types are SQLite's, mapped:
``INTEGER`` is 64 bits there (``BIGINT`` here: times are epoch milliseconds), ``BLOB`` is
``BYTEA``.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from psycopg import Connection
from psycopg import Cursor as PgCursor
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool

from .database import Cursor, Dialect


def _schema(script: str) -> str:
    return re.sub(r"\bBLOB\b", "BYTEA", re.sub(r"\bINTEGER\b", "BIGINT", script))


POSTGRESQL = Dialect(
    name="postgresql",
    json_field=lambda column, key: f"(({column})::json ->> '{key}')",
    contains=lambda column: f"strpos({column}, ?) > 0",
    schema=_schema,
    now_ms="CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)",
    for_update=" FOR UPDATE NOWAIT",
    schema_lock="SELECT pg_advisory_xact_lock(74657370)",
)


IDLE_IN_TRANSACTION_MS = 5_000


@functools.lru_cache(maxsize=512)
def _statement(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class NamedRow(tuple[Any, ...]):
    """A row by position or by column name, like ``sqlite3.Row``."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self.names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self.names)


def _named_rows(cursor: PgCursor[Any]) -> RowMaker[NamedRow]:
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    row_type = type("Row", (NamedRow,), {"names": names})
    return row_type  # type: ignore[return-value]


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


class PostgresDatabase:
    dialect = POSTGRESQL

    def __init__(self, url: str, *, connections: int = 4) -> None:
        self.where = redacted(url)
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=connections,
            kwargs={
                "autocommit": True,
                "row_factory": _named_rows,
                # a replica frozen mid-transaction (cut off, stopped) keeps no lock past this:
                # the server ends its transaction, and a standby can take over
                "options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}",
            },
            open=True,
        )
        self._pool.wait(timeout=30)
        self._local = threading.local()

    def _connection(self) -> Connection[Any] | None:
        """The connection of the transaction this thread is in, if any."""
        connection: Connection[Any] | None = getattr(self._local, "connection", None)
        return connection

    @contextlib.contextmanager
    def _using(self) -> Iterator[Connection[Any]]:
        held = self._connection()
        if held is not None:
            yield held
            return
        with self._pool.connection() as connection:
            yield connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with self._using() as connection:
            cursor = connection.execute(_statement(sql), params or None)
            rows = cursor.fetchall() if cursor.description is not None else []
            return _Fetched(rows, cursor.rowcount)  # read now: the connection goes back

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Read through a server-side cursor a thousand rows at a time: a scan of a million
        Runs never is in memory whole. The connection is held until the rows are taken."""
        held = self._connection()
        if held is not None:
            yield from _streamed(held, sql, params)
            return
        with self._pool.connection() as connection, connection.transaction():
            yield from _streamed(connection, sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if not batch:
            return
        with self._using() as connection, connection.cursor() as cursor:
            cursor.executemany(_statement(sql), batch)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        assert self._connection() is None, "write transactions do not nest"
        with self._pool.connection() as connection, connection.transaction():
            self._local.connection = connection
            try:
                yield
            finally:
                self._local.connection = None

    def schema_version(self) -> int:
        self.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        row = self.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def set_schema_version(self, version: int) -> None:
        self.execute("DELETE FROM schema_version")
        self.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def put_large(
        self, table: str, key: tuple[str, Any], fields: dict[str, Any], value: tuple[str, bytes]
    ) -> None:
        """One parameter, sent in binary: libpq copies it into its send buffer once."""
        column, data = value
        names = [key[0], *fields, column]
        updates = ", ".join(f"{name} = excluded.{name}" for name in names[1:])
        self.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({key[0]}) DO UPDATE SET {updates}",
            (key[1], *fields.values(), data),
        )

    def close(self) -> None:
        self._pool.close()


def _plain(cursor: PgCursor[Any]) -> RowMaker[tuple[Any, ...]]:
    return tuple


def _streamed(
    connection: Connection[Any], sql: str, params: Sequence[Any]
) -> Iterator[tuple[Any, ...]]:
    name = f"rows_{uuid.uuid4().hex}"
    with connection.cursor(name=name, row_factory=_plain) as cursor:
        cursor.itersize = 1_000
        cursor.execute(_statement(sql), params or None)
        yield from cursor


class _Fetched:
    """A statement's rows and count, taken before its connection went back to the pool."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)
