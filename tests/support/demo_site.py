"""``python -m examples.demo_site`` (the bookstore example's site, with its members' area) in a
process of its own, as users run it, on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

JOBCTL = Path(sys.executable).with_name("jobctl")
ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "examples" / "bookstore" / "site"


@contextlib.contextmanager
def demo_site(password: str, *, ttl_s: float = 600.0) -> Iterator[str]:
    """The site's base URL while it runs; ``password`` is the member ``reader``'s."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "examples.demo_site", "--root", str(SITE), "--port", str(port)]
    command += ["--member-password", password, "--session-ttl", str(ttl_s)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base}/members/stats", timeout=1).close()
                break
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(10)
