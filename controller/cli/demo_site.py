"""``jobctl demo-site``: serve the offline bookstore on 127.0.0.1 for the demo and the tests."""

from __future__ import annotations

import argparse
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path("examples/bookstore/site")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def register(commands: Any) -> None:
    site = commands.add_parser("demo-site", help="serve the offline bookstore demo website")
    site.add_argument("--port", type=int, default=8765, help="default: %(default)s")
    site.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="default: %(default)s")
    site.set_defaults(handler=run_demo_site)


def run_demo_site(args: argparse.Namespace) -> int:
    if not (args.root / "index.html").exists():
        print(f"jobctl demo-site: {args.root}/index.html not found; pass --root", file=sys.stderr)
        return 2
    handler = functools.partial(_QuietHandler, directory=str(args.root))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        print(f"jobctl demo-site: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return 2
    print(f"demo site on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    with server:
        server.serve_forever()
    return 0
