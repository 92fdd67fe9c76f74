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
one orjson refuses (``NaN``, which ``json`` writes).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)
"""As ``json`` with ``default=str``: keys made strings, dataclasses and datetimes by ``str``."""
_MAYBE_WIDE = re.compile(r"\d{19}")
_WIDE_INTEGERS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return _WIDE_INTEGERS(value)


def loads(text: str) -> Any:
    if _MAYBE_WIDE.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, as ``json`` wrote it before
        return json.loads(text)
