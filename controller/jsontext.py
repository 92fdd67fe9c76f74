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

An uploaded result (up to 64 MiB) is kept as the text it arrived as, never as objects: 64 MiB
of ``[{},{},...]`` is 22 million dicts, over a gigabyte. ``is_json`` checks such a text without
building anything.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any

import msgspec
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

    def head(self, chars: int) -> str:
        """Up to ``chars`` first characters (UTF-8 takes at most four bytes a character)."""
        return self.text[: 4 * chars].decode(errors="ignore")[:chars]


def _orjson_default(value: Any) -> Any:
    return orjson.Fragment(value.text) if isinstance(value, RawJson) else str(value)


def _json_default(value: Any) -> Any:
    return json.loads(value.text) if isinstance(value, RawJson) else str(value)


_WIDE_INTEGERS = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, default=_json_default
).encode


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode()


def dumps_bytes(value: Any) -> bytes:
    """``dumps`` as UTF-8, which is what orjson makes: no text object in between."""
    try:
        return orjson.dumps(value, default=_orjson_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return _WIDE_INTEGERS(value).encode()


def loads(text: str) -> Any:
    if _MAYBE_WIDE.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, as ``json`` wrote it before
        return json.loads(text)


_SKIPPED = msgspec.json.Decoder(msgspec.Raw)
"""Decodes to ``Raw``: reads past one JSON value, checking its syntax, building nothing."""
_DECODED_BYTES = 1024 * 1024


def is_json(text: bytes) -> bool:
    """Whether ``text`` is one JSON value in UTF-8, checked without making objects of it or a
    second copy: the syntax in one pass that builds nothing, the UTF-8 a megabyte at a time."""
    try:
        _SKIPPED.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return False
    utf8 = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(text)
    try:
        for start in range(0, len(text), _DECODED_BYTES):
            utf8.decode(view[start : start + _DECODED_BYTES])
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
