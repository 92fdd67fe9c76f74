"""A real PostgreSQL server for the tests, from Debian's package (``make postgres`` installs it
when missing): a cluster made with ``initdb`` in a temporary folder, listening on 127.0.0.1 at
a free port, stopped at the end of the session. Each test takes a database of its own.

PostgreSQL refuses to run as root: as root, the server runs as the ``postgres`` user the
package made (the folder is handed to it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .ports import free_port


def binaries() -> Path | None:
    """The newest installed server's ``bin`` folder (Debian keeps it out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major)
    return Path(found[-1]).parent if found else None


def _major(path: str) -> int:
    return int(Path(path).parent.parent.name)


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bin: Path
    user: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql://jobctl@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return f"postgresql://jobctl@127.0.0.1:{self.port}/{name}"

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", self.user, "--", *command] if self.user else list(command)

    def stop(self) -> None:
        subprocess.run(
            self._as_owner(
                str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"
            ),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(*, durable: bool = False) -> PostgresServer:
    """``durable``: fsync on, as a production server runs (benchmarks); off for tests."""
    found = binaries()
    assert found is not None, "PostgreSQL is missing: run `make postgres`"
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="jobctl-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(folder, free_port(), found, user)
    data = folder / "data"
    subprocess.run(
        server._as_owner(
            str(found / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "jobctl",
            "-E",
            "UTF8",
            "--no-sync",
        ),
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {server.port} -k {folder} -c max_connections=200"
    if not durable:
        options += " -F"
    subprocess.run(
        server._as_owner(
            str(found / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ),
        check=True,
        capture_output=True,
    )
    return server
