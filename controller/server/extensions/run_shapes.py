"""Stored Runs and attempts as API objects (the ``job-runs/{id}/runs`` extension). Pure."""

from __future__ import annotations

import json
from typing import Any

from ... import jsontext
from ...engine import Waiting, iso_ms
from ...store.run_queries import RESULT_PREVIEW_CHARS
from ..intuned.shapes import waiting_object


def run_object(record: dict[str, Any], waiting: Waiting | None = None) -> dict[str, Any]:
    """A Run of a page; with ``result`` when the record has the whole of it (one Run)."""
    body = {
        "id": record["id"],
        "api": record["api_name"],
        "parameters": record["parameters"],
        "status": record["status"],
        "attempts": record["attempts"],
        "resultPreview": _preview(record),
        "error": record["error"],
        "reason": record["reason"],
        "startedAt": iso_ms(record["started_at"]),
        "endedAt": iso_ms(record["ended_at"]),
        "traceUrl": record["trace_url"],
        "logUrl": record["log_url"],
        "extendedFrom": record["extended_from"],
        "attributes": record.get("attributes"),
        "waitingFor": waiting_object(waiting),
    }
    if "result" in record:
        body["result"] = record["result"]
    return body


def _preview(record: dict[str, Any]) -> str | None:
    if "result_preview" in record:
        text: str | None = record["result_preview"]
    else:
        text = _start(record.get("result"))
    if text is None or len(text) <= RESULT_PREVIEW_CHARS:
        return text
    return text[:RESULT_PREVIEW_CHARS] + "…"


def _start(result: Any) -> str | None:
    """Enough of the result's JSON for a preview: an uploaded one is not written out whole."""
    if isinstance(result, jsontext.RawJson):
        return result.head(RESULT_PREVIEW_CHARS + 1)
    return None if result is None else _json(result)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def attempt_object(record: dict[str, Any]) -> dict[str, Any]:
    started, ended = record["started_at"], record["ended_at"]
    return {
        "id": record["id"],
        "number": record["number"],
        "outcome": record["outcome"],
        "startedAt": iso_ms(started),
        "endedAt": iso_ms(ended),
        "durationMs": None if started is None else ended - started,
        "error": record["error"],
        "traceUrl": record["trace_url"],
        "logUrl": record["log_url"],
    }
