"""Compact JSON text of the values the controller stores and writes once per Run (rows, results
lines, sink bodies, worker messages), and the values of stored texts: by orjson, about ten
times faster than ``json``, which a million-Run JobRun feels (three or four texts per Run).

The text is ``json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)``'s but
for what only a value JSON cannot hold shows: NaN and infinities become ``null``; a float's
exponent has no leading zero (``1e-7``). Integers beyond 64 bits, which orjson refuses, are
written by ``json`` itself, so no value is refused that ``json`` takes. The same value always
gives the same text (results lines are made again from stored fields, byte for byte).
``loads`` gives ``json.loads``'s value for every text ``dumps`` makes: orjson would read an
integer beyond 64 bits as a float, so a text with a run of 19 digits is read by ``json``, as is
one orjson refuses (``NaN``, which ``json`` writes). A ``RawJson`` value is written as its
text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)
"""As ``json`` with ``default=str``: keys made strings, dataclasses and datetimes by ``str``."""
_MAYBE_WIDE = re.compile(r"\d{19}")


@dataclass(frozen=True, slots=True)
class RawJson:
    """JSON text kept as it is (a large result, checked when it arrived): written into texts
    verbatim, never turned into objects to be written out again."""

    text: bytes


def _orjson_default(value: Any) -> Any:
    return orjson.Fragment(value.text) if isinstance(value, RawJson) else str(value)


def _json_default(value: Any) -> Any:
    return json.loads(value.text) if isinstance(value, RawJson) else str(value)


_WIDE_INTEGERS = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, default=_json_default
).encode


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, default=_orjson_default, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return _WIDE_INTEGERS(value)


def loads(text: str) -> Any:
    if _MAYBE_WIDE.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, as ``json`` wrote it before
        return json.loads(text)
