"""Reading definition files: the one function ``validate``, the embedded controller and the repo
sync use, so that no file in a resources folder or repository can block or exhaust a reader."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Far beyond any job file (a 100,000-item payload is a few MiB)."""


def read_definition_file(path: Path) -> str:
    """The one way definition files are read (``validate``, the embedded controller, the repo
    sync): only regular files (a symlink to one is fine), never more than ``MAX_FILE_BYTES``.
    A FIFO would block the reader forever and ``/dev/zero`` would fill its memory, and either
    can be committed to a repository. Raises ``UnreadableFileError`` saying why."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read file: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise UnreadableFileError(f"not a regular file ({kind}); use a plain text file")
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UnreadableFileError(f"cannot read file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFileError(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"file is not UTF-8 text (byte {exc.start})") from None


class UnreadableFileError(Exception):
    pass


FileStamp = tuple[int, int, int, int]
"""(inode, size, modification and change time in ns): a file with the same stamp is unchanged
(a rewrite, even of the same size in the same second, changes the ns times)."""


def file_stamp(path: Path) -> FileStamp | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
