"""``--listen``: the REST API and metrics beside the controller (``jobctl run`` and
``jobctl operator``)."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..runtime import Runtime
from ..server import (
    ApiServer,
    Control,
    ControllerMetrics,
    StateSources,
    bind,
    create_app,
    is_loopback,
    parse_listen,
)
from ..vocabulary import API_KEY_VARIABLE

DEFAULT_LISTEN = "127.0.0.1:8642"


def uuid_text(text: str) -> str:
    """An argparse type: a UUID, in its canonical spelling."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a UUID") from None


def add_identity_options(command: Any, *, workspace: str, project: str) -> None:
    """``--workspace-id`` and ``--project-id``: the IDs the API and results lines carry."""
    command.add_argument(
        "--workspace-id",
        default=workspace,
        help="a UUID, or a name the workspace's UUID is derived from (API paths take either)",
    )
    command.add_argument(
        "--project-id",
        type=uuid_text,
        help=f"default: a UUID derived from the workspace and the {project}",
    )


def add_options(run: Any) -> None:
    group = run.add_argument_group("REST API and metrics")
    group.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help=f"serve the REST API and /metrics here (default: {DEFAULT_LISTEN}; "
        "'off' to serve nothing)",
    )
    group.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL people reach the API at, for links to traces and logs "
        "(default: http://HOST:PORT of --listen)",
    )
    group.add_argument(
        "--api-key-file",
        type=Path,
        metavar="FILE",
        help=f"require this API key in x-api-key (default: ${API_KEY_VARIABLE}; "
        "without a key the API is served on loopback only)",
    )


class ApiSetupError(ValueError):
    pass


def _api_key(args: argparse.Namespace) -> str | None:
    if args.api_key_file is not None:
        try:
            key = str(args.api_key_file.read_text()).strip()
        except OSError as exc:
            raise ApiSetupError(f"--api-key-file {args.api_key_file}: {exc.strerror}") from None
        if not key:
            raise ApiSetupError(f"--api-key-file {args.api_key_file} is empty")
        return key
    return os.environ.get(API_KEY_VARIABLE) or None


def start_api(
    args: argparse.Namespace,
    runtime: Runtime,
    control: Control,
    *,
    checks: Callable[[], dict[str, bool]] | None = None,
    sign_in_browser: bool = False,
) -> ApiServer | None:
    """The server, bound and ready to run (None: --listen off, or the default port is taken).
    ``control``: what API commands act on; ``checks``: the runtime's health checks for metrics
    (default: its loop runs); ``sign_in_browser``: people may sign in to recorder AuthSessions
    in a browser this process opens. Raises ``ApiSetupError`` for what the user asked for and cannot
    have."""
    if args.listen == "off":
        return None
    try:
        host, port = parse_listen(args.listen or DEFAULT_LISTEN)
    except ValueError as exc:
        raise ApiSetupError(str(exc)) from None
    key = _api_key(args)
    if key is None and not is_loopback(host):
        raise ApiSetupError(
            f"--listen {host}: without an API key the REST API is served on loopback only; "
            f"set ${API_KEY_VARIABLE} or --api-key-file, or listen on 127.0.0.1"
        )
    try:
        sock = bind(host, port)
    except OSError as exc:
        if args.listen is not None:
            raise ApiSetupError(f"--listen {args.listen}: {exc.strerror}") from None
        print(
            f"jobctl: REST API not served: {DEFAULT_LISTEN} is in use ({exc.strerror}); "
            "pass --listen HOST:PORT",
            file=sys.stderr,
        )
        return None
    sources = StateSources(
        deliveries=runtime.delivery_counts,
        checks=checks or (lambda: {"engine": runtime.running}),
        invalid_definitions=runtime.broken_definitions,
    )
    metrics = ControllerMetrics(runtime.query, sources)
    runtime.add_observer(metrics)
    app = create_app(control, api_key=key, metrics=metrics.render, sign_in_browser=sign_in_browser)
    server = ApiServer(app, sock)
    identity = runtime.query.identity
    shown = f"[{host}]" if ":" in host else host
    note = "API key required" if key else "no API key: loopback only"
    base = f"http://{shown}:{server.port}"
    runtime.serve_at(args.public_url or base)
    path = f"/api/v1/workspace/{identity.workspace_id}/projects/{identity.project_name}/"
    print(f"Dashboard on {base}/ ({note})", flush=True)
    print(f"REST API on {base}{path} and metrics on {base}/metrics", flush=True)
    return server
