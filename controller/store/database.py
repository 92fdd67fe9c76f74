"""The connection a store talks through, so that its SQL is written once for every backend.

The store's statements use what SQLite and PostgreSQL both take: ``?`` parameters (a backend
with another style rewrites them), ``INSERT ... ON CONFLICT``, partial indexes. Where the two
differ, the ``Dialect`` gives the expression (reading a JSON field, finding text in a column),
and the ``Database`` does the thing its own way (schema version, a write transaction, a large
value written without a second copy in memory). Migrations are one list, numbered the same on
every backend; the dialect adapts a script's column types (``migrations.migrate``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class Row(Protocol):
    """A result row, by position or by column name (``dict(row)`` gives the named columns)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True)
class Dialect:
    name: str
    json_field: Callable[[str, str], str]
    """(column, key) -> an expression of the key's text in a JSON column."""
    contains: Callable[[str], str]
    """column -> a condition that the column's text contains the next parameter."""
    schema: Callable[[str], str]
    """A migration script as this backend takes it (its column types)."""
    now_ms: str
    """The database's own clock in epoch milliseconds: replicas' clocks may disagree."""
    for_update: str
    """What locks the rows a SELECT reads until the transaction ends, or fails at once when
    another transaction holds them (SQLite's write transaction already holds the database)."""
    schema_lock: str
    """A statement that makes migrations take turns until the transaction ends (none where a
    write transaction already excludes the others)."""


class Database(Protocol):
    dialect: Dialect
    where: str
    """Where the data is, for messages (a path, or a URL without its password)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """One statement; outside ``transaction``, committed when it returns."""
        ...

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterable[tuple[Any, ...]]:
        """Rows as plain tuples: the hot paths (a window of a million-Run JobRun) build records
        from them directly."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction, rolled back on any failure."""
        ...

    def schema_version(self) -> int: ...

    def set_schema_version(self, version: int) -> None:
        """In the transaction of the migration that reached ``version``."""
        ...

    def put_large(
        self, table: str, key: tuple[str, Any], fields: dict[str, Any], value: tuple[str, bytes]
    ) -> None:
        """Insert or replace the row whose column ``key[0]`` is ``key[1]``, with ``fields`` and
        ``value`` (column, bytes): written without a second whole copy where the backend can
        (in the caller's transaction)."""
        ...

    def close(self) -> None: ...


def replace_into(
    table: str,
    key: Sequence[str],
    columns: Sequence[str],
    *,
    values: Sequence[str] | None = None,
    replaced: Sequence[str] | None = None,
) -> str:
    """An insert that replaces the row with the same ``key`` (SQLite's ``INSERT OR REPLACE``,
    written as both backends take it). ``values``: the SQL of each column's value (``?`` by
    default); ``replaced``: the columns a replacement sets (every column not in the key by
    default), each to the new row's value, which is its default where not inserted."""
    given = values if values is not None else ["?"] * len(columns)
    updated = replaced if replaced is not None else [c for c in columns if c not in key]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in updated)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(given)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {assignments}"
    )
