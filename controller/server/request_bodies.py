"""What a request body must be before any handler sees it: bounded, JSON, and plain.

An ASGI middleware, so it sees the body as it streams (a chunked upload has no Content-Length):
- larger than ``max_bytes``: 413, read no further;
- declared as something other than JSON (``Content-Type`` not ``application/json`` or
  ``...+json``): 415 (a body without a ``Content-Type`` is read as JSON);
- JSON the job files would refuse: 400 with the line and column (duplicate keys, a lone
  surrogate in a string, NaN or an out-of-range number), by the same parser the loader uses.

Bodies that pass are handed on unchanged. Requests without a body are not looked at.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..spec import SyntaxProblem, parse_json5
from .errors import error_response

MAX_BODY_BYTES = 4 * 1024 * 1024
"""A Job definition with a large payload fits many times over; results never come this way."""
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodyRules:
    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, self._too_large())
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _refuse(send, 413, self._too_large())
                return
        problem = _problem(bytes(body), headers.get("content-type", ""))
        if problem is not None:
            await _refuse(send, *problem)
            return
        await self.app(scope, _replay(bytes(body)), send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"


def _problem(body: bytes, content_type: str) -> tuple[int, str] | None:
    if not body.strip():
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        return 415, f"the request body must be JSON (Content-Type: application/json), not {media}"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return 400, f"the request body is not UTF-8 (byte {exc.start}); send UTF-8 JSON"
    try:
        parse_json5(text)  # first: it locates what is too deep, duplicated or not Unicode
        json.loads(text)  # plain JSON only: no comments or trailing commas over the API
    except ValueError as exc:
        return 400, f"the request body is not JSON: {exc}"
    except SyntaxProblem as problem:
        where = problem.position
        return 400, f"request body:{where.line}:{where.column}: {problem.message}"
    return None


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(send: Send, status: int, message: str) -> None:
    response = error_response(status, message)
    await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
