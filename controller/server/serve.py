"""Serving the API with uvicorn inside the controller's event loop.

The socket is bound by the caller first, so a port in use is a clear error before anything
starts, and port 0 works (the caller reads the real port from the socket). uvicorn's own signal
handling is disabled: the controller owns SIGINT/SIGTERM and stops the server itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6); ValueError says what is wrong."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host or int(port) > 65535:
        raise ValueError(f"--listen {value!r}: use HOST:PORT, e.g. 127.0.0.1:8642")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


STREAMS_END_S = 3
"""At a stop, how long a response still streaming (a live log followed in the dashboard) may go
on before it is cut."""


class ApiServer:
    """At its stop, what the app opened (sign-in browsers) is closed: ``app.state.close``."""

    def __init__(self, app: FastAPI, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=STREAMS_END_S,
        )
        self._server = _Server(config)
        self._app = app

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    async def run(self) -> None:
        try:
            await self._server.serve(sockets=[self.sock])
        finally:
            await self._app.state.close()

    def stop(self) -> None:
        self._server.should_exit = True
