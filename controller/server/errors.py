"""Error responses of the REST API: the reference error object, with a fresh correlation ID."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from .intuned.shapes import error_body

ERROR_CODES = {
    400: "bad-request",
    401: "unauthorized",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


def error_response(
    status: int, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = error_body(
        ERROR_CODES.get(status, "internal-server-error"),
        message,
        str(uuid.uuid4()),
        category="user" if status < 500 else "infrastructure",
    )
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)
