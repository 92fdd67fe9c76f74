"""One SQLite file as a store's ``Database``: WAL, one connection, autocommit outside the
write transactions a store opens.

Durability: with WAL and ``synchronous=NORMAL`` a committed transaction survives the process
being killed at any point (only an OS crash or power loss can drop the last commits).

A full disk is said as such (``StateFullError``): SQLite reports it at COMMIT and rolls the
transaction back itself; a ROLLBACK after that fails with "no transaction is active", which
used to be all the user saw. Nothing saved before is lost: the last whole pass is on disk, and a
restart after space is freed resumes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .database import Cursor, Dialect
from .full import StateFullError, is_full

SQLITE = Dialect(
    name="sqlite",
    json_field=lambda column, key: f"json_extract({column}, '$.{key}')",
    contains=lambda column: f"instr({column}, ?) > 0",
    schema=lambda script: script,
    now_ms="CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    for_update="",
    schema_lock="",
)
_PIECE_BYTES = 1024 * 1024

# ``sqlite3`` looks for an adapter for every parameter not of an exact type it knows, None
# included, and fails with an exception made at some cost (a quarter of a microsecond a None; a
# Run's row has a dozen): this one is found. Process-wide, and changes no value.
sqlite3.register_adapter(type(None), lambda value: value)


class SqliteDatabase:
    """One connection, used from the controller's loop and, for the lead's renewals, from a
    thread: a statement or a transaction holds the connection's lock, so that a renewal never
    lands inside a pass's transaction (and commits half of it)."""

    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.where = str(path)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA wal_autocheckpoint = 10000")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._lock = threading.RLock()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterable[tuple[Any, ...]]:
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None
            return cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._db.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock, self._transaction():
            yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except (OSError, sqlite3.OperationalError) as exc:
            if is_full(exc):
                raise StateFullError(self.where) from None
            raise

    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, version: int) -> None:
        self._db.execute(f"PRAGMA user_version = {int(version)}")

    def put_large(
        self, table: str, key: tuple[str, Any], fields: dict[str, Any], value: tuple[str, bytes]
    ) -> None:
        """Bound as a parameter, a 64 MiB value would be copied twice by SQLite (the bound
        value, then the record it builds): the row is made with a zeroblob of its size, which
        SQLite keeps unexpanded as a row's last column, and the value written into it a piece
        at a time."""
        column, data = value
        names = [key[0], *fields, column]
        row = self._db.execute(
            f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * (len(names) - 1))}, zeroblob(?))",
            (key[1], *fields.values(), len(data)),
        ).lastrowid
        assert row is not None
        view = memoryview(data)
        with self._db.blobopen(table, column, row) as blob:
            for start in range(0, len(data), _PIECE_BYTES):
                blob.write(view[start : start + _PIECE_BYTES])

    def close(self) -> None:
        self._db.close()
