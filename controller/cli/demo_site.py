"""``jobctl demo-site``: serve the offline bookstore on 127.0.0.1 for the demo and the tests.

It also plays the demo's webhook receiver: a POST under ``/webhook/`` (the demo Job's sink and
notification) is answered 200 and summarised on one line, so ``make run`` shows results
arriving as they are delivered.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path("examples/bookstore/site")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if not self.path.startswith("/webhook/"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
        print(f"receiver {self.path}: {_summary(body)}", flush=True)


def _summary(body: bytes) -> str:
    try:
        event = json.loads(body)
    except ValueError:
        return f"{len(body)} bytes (not JSON)"
    if "apiInfo" in event:  # a results line from the sink
        info = event["apiInfo"]
        state = "ok" if info.get("error") is None else f"error {info['error'].get('code')}"
        return f"result of {info.get('name')} {info.get('runId')} ({state})"
    summary = event.get("summary") or {}
    files = event.get("aggregatedResults") or {}
    counts = f"{summary.get('successfulRuns')} succeeded, {summary.get('failedRuns')} failed"
    where = files.get("signedUrl")
    return f"JobRun {event.get('id')} {event.get('status')}: {counts}; results {where}"


def register(commands: Any) -> None:
    site = commands.add_parser("demo-site", help="serve the offline bookstore demo website")
    site.add_argument("--port", type=int, default=8765, help="default: %(default)s")
    site.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="default: %(default)s")
    site.set_defaults(handler=run_demo_site)


def static_server(root: Path, port: int = 0) -> ThreadingHTTPServer:
    """A quiet static-file server on 127.0.0.1 (port 0: any free port); call serve_forever."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def run_demo_site(args: argparse.Namespace) -> int:
    if not (args.root / "index.html").exists():
        print(f"jobctl demo-site: {args.root}/index.html not found; pass --root", file=sys.stderr)
        return 2
    try:
        server = static_server(args.root, args.port)
    except OSError as exc:
        print(f"jobctl demo-site: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return 2
    print(f"demo site on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    with server:
        server.serve_forever()
    return 0
