"""JSON5 made JSON, token by token, so that the C parser reads it.

The json5 package parses character by character in Python (tens of kilobytes a second); job
files may be megabytes (a large payload) or hostile (a megabyte token). A regular expression
finds the tokens (in C) and Python touches each token once: unquoted keys get quotes,
single-quoted strings become double-quoted, JSON5 numbers become JSON numbers, comments and
trailing commas become blanks. What this cannot convert (a line continuation in a string, say)
is left to json5, which stays the judge for small files.

``OffsetMap`` maps an offset in the converted text back to the original, at token
granularity, so that an error the C parser finds is reported where it is in the file.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re

_TOKEN = re.compile(
    r"""
    (?P<dq>"(?:[^"\\\n\r]|\\.)*")
    |(?P<sq>'(?:[^'\\\n\r]|\\.)*')
    |(?P<comment>//[^\n\r\u2028\u2029]*|/\*[\s\S]*?\*/)
    |(?P<number>[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w$]))
    |(?P<name>[+-]?[A-Za-z_$][\w$]*)
    |(?P<punct>[{}\[\]:,])
    |(?P<space>[ \t\n\r\f\v\u00a0\u2028\u2029\ufeff]+)
    """,
    re.VERBOSE,
)
_LITERALS = {"true", "false", "null", "Infinity", "-Infinity", "+Infinity", "NaN", "-NaN", "+NaN"}


class OffsetMap:
    def __init__(self) -> None:
        self._converted: list[int] = []
        self._original: list[int] = []

    def add(self, converted: int, original: int) -> None:
        self._converted.append(converted)
        self._original.append(original)

    def original(self, converted: int) -> int:
        if not self._converted:
            return converted
        index = max(0, bisect.bisect_right(self._converted, converted) - 1)
        return self._original[index] + (converted - self._converted[index])


def json5_as_json(text: str) -> tuple[str, OffsetMap] | None:
    """The same document as JSON text, or None when a token is beyond this converter."""
    tokens = [(m.lastgroup or "", m.group(), m.start()) for m in _TOKEN.finditer(text)]
    if sum(len(value) for _kind, value, _start in tokens) != len(text):
        return None  # something no token matched: let json5 say what
    significant = [i for i, (kind, _v, _s) in enumerate(tokens) if kind not in _BLANKS]
    next_of = dict(itertools.pairwise(significant))
    parts: list[str] = []
    offsets = OffsetMap()
    length = 0
    for index, (kind, value, start) in enumerate(tokens):
        following = tokens[next_of[index]][1] if index in next_of else ""
        converted = _convert(kind, value, following)
        if converted is None:
            return None
        offsets.add(length, start)
        parts.append(converted)
        length += len(converted)
    return "".join(parts), offsets


_BLANKS = frozenset({"space", "comment"})


def _convert(kind: str, value: str, following: str) -> str | None:
    if kind == "comment":
        return re.sub(r"[^\n\r\u2028\u2029]", " ", value)
    if kind == "space":
        return re.sub(r"[^\n\r \t]", " ", value)
    if kind == "punct":
        return " " if value == "," and following in ("}", "]") else value
    if kind == "dq":
        return value
    if kind == "sq":
        inner = value[1:-1].replace("\\'", "'")
        try:
            return json.dumps(json.loads(f'"{_escape_quotes(inner)}"'))
        except ValueError:
            return None
    if kind == "number":
        return _number(value)
    if following == ":" and not value.startswith(("+", "-")):
        return json.dumps(value)
    return value.lstrip("+") if value in _LITERALS else None


def _escape_quotes(inner: str) -> str:
    """Double quotes inside a single-quoted string, escaped (those already escaped stay)."""
    return re.sub(r'(\\\\)*(\\?)"', lambda m: (m.group(1) or "") + '\\"', inner)


def _number(value: str) -> str:
    sign = "-" if value.startswith("-") else ""
    digits = value.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        return sign + str(int(digits, 16))
    if digits.startswith("."):
        digits = "0" + digits
    digits = re.sub(r"\.(?=[eE]|$)", ".0", digits)
    return sign + digits
