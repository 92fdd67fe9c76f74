"""Source positions of every key and value in a parsed document.

json5 and PyYAML return plain values without positions, yet every error must point at a line and
column. This module recovers them: for JSON5/JSONC by a small scanner that runs only on text json5
already accepted (so it can assume well-formed input), for YAML from the composed node tree.

Invariant: the map is keyed by the same data paths a validator sees in the parsed value, so
``PositionMap.locate`` can answer for any path, falling back to the nearest enclosing value.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import json5

from ._problems import START, DataPath, Position

_STRINGS = {
    quote: re.compile(rf"{quote}(?:[^{quote}\\]|\\.)*{quote}", re.DOTALL) for quote in "\"'"
}
"""A whole string literal from its opening quote (escapes skipped), matched in C: a file may
hold a string of megabytes."""

MAX_DEPTH = 200
"""Documents nested deeper than this are refused; no job file comes close."""


class DuplicateKeyError(Exception):
    def __init__(self, key: str, position: Position, first: Position) -> None:
        super().__init__(key)
        self.key = key
        self.position = position
        self.first = first


class TooDeepError(Exception):
    def __init__(self, position: Position) -> None:
        super().__init__("nested too deeply")
        self.position = position


@dataclass
class PositionMap:
    """Positions of values (and, for object members, of their keys) by data path."""

    values: dict[DataPath, Position] = field(default_factory=dict)
    keys: dict[DataPath, Position] = field(default_factory=dict)

    def locate(self, path: DataPath, *, prefer_key: bool = False) -> Position:
        """Position of ``path``, else of its nearest ancestor that exists in the document."""
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if prefer_key and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return START


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._starts, offset) - 1
        return Position(line + 1, offset - self._starts[line] + 1)


_JSON5_SPACE = set(" \t\n\r\v\f\u00a0\u2028\u2029\ufeff\u1680\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
_SCALAR_END = set(",]}:/") | _JSON5_SPACE


def json5_positions(text: str) -> PositionMap:
    """Scan JSON5 text that ``json5.loads`` accepted and record where everything is.

    Raises ``DuplicateKeyError`` for a key repeated in one object (json5 would silently keep the
    last one, which hides mistakes) and ``TooDeepError`` past ``MAX_DEPTH``.
    """
    scanner = _Json5Scanner(text)
    scanner.value((), 0)
    return scanner.positions


class _Json5Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.lines = _LineIndex(text)
        self.positions = PositionMap()

    def skip_blank(self) -> None:
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            if ch in _JSON5_SPACE:
                self.i += 1
            elif text.startswith("//", self.i):
                end = min(
                    (p for p in (text.find(c, self.i) for c in "\n\r\u2028\u2029") if p >= 0),
                    default=n,
                )
                self.i = end
            elif text.startswith("/*", self.i):
                self.i = text.index("*/", self.i + 2) + 2
            else:
                return

    def value(self, path: DataPath, depth: int) -> None:
        self.skip_blank()
        here = self.lines.position(self.i)
        if depth > MAX_DEPTH:
            raise TooDeepError(here)
        self.positions.values[path] = here
        ch = self.text[self.i]
        if ch == "{":
            self.object(path, depth)
        elif ch == "[":
            self.array(path, depth)
        elif ch in "\"'":
            self.string()
        else:
            while self.i < len(self.text) and self.text[self.i] not in _SCALAR_END:
                self.i += 1

    def string(self) -> None:
        found = _STRINGS[self.text[self.i]].match(self.text, self.i)
        assert found is not None  # json5 accepted the text: every string is closed
        self.i = found.end()

    def key(self) -> str:
        start = self.i
        if self.text[self.i] in "\"'":
            self.string()
        else:
            while self.text[self.i] not in _SCALAR_END:
                self.i += 1
        token = self.text[start : self.i]
        if token.startswith('"'):
            with contextlib.suppress(ValueError):  # JSON's escapes: the C decoder, at once
                return str(json.loads(token))
        decoded: dict[str, Any] = json5.loads("{" + token + ":0}")
        return next(iter(decoded))

    def object(self, path: DataPath, depth: int) -> None:
        self.i += 1
        seen: dict[str, Position] = {}
        while True:
            self.skip_blank()
            if self.text[self.i] == "}":
                self.i += 1
                return
            at = self.lines.position(self.i)
            name = self.key()
            if name in seen:
                raise DuplicateKeyError(name, at, seen[name])
            seen[name] = at
            self.positions.keys[(*path, name)] = at
            self.skip_blank()
            self.i += 1  # the colon
            self.value((*path, name), depth + 1)
            self.skip_blank()
            if self.text[self.i] == ",":
                self.i += 1

    def array(self, path: DataPath, depth: int) -> None:
        self.i += 1
        index = 0
        while True:
            self.skip_blank()
            if self.text[self.i] == "]":
                self.i += 1
                return
            self.value((*path, index), depth + 1)
            index += 1
            self.skip_blank()
            if self.text[self.i] == ",":
                self.i += 1
