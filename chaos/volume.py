"""A small state volume that can be filled up and freed: a tmpfs mounted for the scenario, as a
Pod's volume or a small partition would be (mounting needs root)."""

from __future__ import annotations

import errno
import subprocess
from pathlib import Path


class VolumeUnavailable(Exception):
    pass


class SmallVolume:
    def __init__(self, path: Path, size_mb: int = 64) -> None:
        self.path = path
        self.size_mb = size_mb
        self.filler = path / "filler"

    def __enter__(self) -> SmallVolume:
        self.path.mkdir(parents=True, exist_ok=True)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "jobctl-chaos", str(self.path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if mounted.returncode != 0:
            raise VolumeUnavailable(
                f"cannot mount a tmpfs at {self.path} ({mounted.stderr.strip()}); "
                "this scenario needs root"
            )
        return self

    def fill(self) -> None:
        """Write until the volume refuses another byte."""
        with self.filler.open("ab", buffering=0) as out:
            for chunk in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        out.write(b"\0" * chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], capture_output=True, check=False)
