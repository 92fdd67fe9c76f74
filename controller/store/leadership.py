"""Which of several replicas on one store is active: a lease in the store itself, with an epoch
that fences a replica that lost it.

Every replica (``jobctl run`` processes on one database, ``jobctl operator`` Pods) tries to hold
the one ``leadership`` row; the holder renews it every ``RENEW_MS``; another takes it over once
it has not been renewed for ``LEASE_MS`` by the database's clock (replicas' clocks may disagree),
or at once when it was released, or when its holder was a process of the same host that is gone
(a restart after a kill need not wait). A takeover adds one to ``epoch``.

Fencing is the database's: each pass's transaction renews the row only if it still names this
replica and its epoch (``fence``), and is rolled back otherwise (``LeadershipLost``). So a
replica that was cut off and came back after a standby took over writes nothing: its first pass
fails, and it stops. Timing alone never decides it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .database import Database

LEASE_MS = 5_000
RENEW_MS = 1_000
NAME = "controller"
PROC = Path("/proc")


class LeadershipLost(Exception):
    def __init__(self, holder: str | None) -> None:
        super().__init__(
            f"this replica is no longer the active one ({holder or 'nobody'} holds the lead): "
            "nothing more is written; stopping so that it starts again as a standby"
        )


@dataclass(frozen=True)
class Holder:
    identity: str
    host: str
    pid: int

    @classmethod
    def this_process(cls) -> Holder:
        host = socket.gethostname()
        return cls(f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}", host, os.getpid())


@dataclass(frozen=True)
class Lease:
    """The row as read: who holds it, since when renewed, at which epoch."""

    holder: str | None
    host: str | None
    pid: int | None
    epoch: int
    renewed_at: int


def takes_over(lease: Lease | None, me: Holder, now: int, alive: bool) -> bool:
    """Whether ``me`` may hold the lead now: nobody holds it, it is ``me`` already, its holder
    let it lapse (``LEASE_MS``), or its holder was a process on this host that is gone
    (``alive`` says whether that pid runs)."""
    if lease is None or lease.holder is None or lease.holder == me.identity:
        return True
    if now - lease.renewed_at > LEASE_MS:
        return True
    return lease.host == me.host and not alive


def _running(pid: int | None) -> bool:
    """Whether ``pid`` runs here: a zombie (killed, not yet reaped by its parent) does not."""
    if pid is None:
        return False
    if PROC.is_dir():
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Leadership:
    def __init__(self, db: Database, me: Holder | None = None) -> None:
        self.db = db
        self.me = me or Holder.this_process()
        self.epoch: int | None = None
        """The epoch this replica holds the lead at; None: it does not."""

    def try_take(self) -> Lease | None:
        """Hold the lead (None), or the lease of the replica that does."""
        db = self.db
        with db.transaction():
            lease = self._read(lock=True)
            now = int(db.execute(f"SELECT {db.dialect.now_ms}").fetchone()[0])
            same_host = lease is not None and lease.host == self.me.host
            alive = same_host and lease is not None and _running(lease.pid)
            if not takes_over(lease, self.me, now, alive):
                return lease
            me = self.me
            if lease is None:  # the first replica ever; of two at once, one inserts
                epoch = 1
                made = db.execute(
                    "INSERT INTO leadership (name, holder, host, pid, epoch, renewed_at) "
                    f"VALUES (?, ?, ?, ?, ?, {db.dialect.now_ms}) ON CONFLICT DO NOTHING",
                    (NAME, me.identity, me.host, me.pid, epoch),
                )
                if made.rowcount != 1:
                    return self._read(lock=False)
            else:  # the row is locked until this transaction ends
                epoch = lease.epoch + (0 if lease.holder == me.identity else 1)
                db.execute(
                    "UPDATE leadership SET holder = ?, host = ?, pid = ?, epoch = ?, "
                    f"renewed_at = {db.dialect.now_ms} WHERE name = ?",
                    (me.identity, me.host, me.pid, epoch, NAME),
                )
        self.epoch = epoch
        return None

    def fence(self) -> None:
        """In a write transaction: renew the lead, or raise ``LeadershipLost`` (the transaction
        is then rolled back) when another replica holds it."""
        renewed = self.db.execute(
            f"UPDATE leadership SET renewed_at = {self.db.dialect.now_ms} "
            "WHERE name = ? AND holder = ? AND epoch = ?",
            (NAME, self.me.identity, self.epoch),
        )
        if renewed.rowcount != 1:
            lease = self._read(lock=False)
            self.epoch = None
            raise LeadershipLost(None if lease is None else lease.holder)

    def renew(self) -> None:
        """Renew between passes; ``LeadershipLost`` when another replica holds the lead."""
        with self.db.transaction():
            self.fence()

    def release(self) -> None:
        """Give the lead up at a stop, so that a standby takes over at its next try. Never
        raises: it runs while stopping for another reason (a full volume, the database gone),
        and a lead it could not give up lapses, or is taken at once by this host's next
        process."""
        epoch, self.epoch = self.epoch, None
        if epoch is None:
            return
        with contextlib.suppress(Exception):
            self.db.execute(
                "UPDATE leadership SET holder = NULL WHERE name = ? AND holder = ? AND epoch = ?",
                (NAME, self.me.identity, epoch),
            )

    def _read(self, *, lock: bool) -> Lease | None:
        row: Any = self.db.execute(
            "SELECT holder, host, pid, epoch, renewed_at FROM leadership WHERE name = ?"
            + (self.db.dialect.for_update if lock else ""),
            (NAME,),
        ).fetchone()
        return None if row is None else Lease(*tuple(row))
