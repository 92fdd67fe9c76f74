"""Text to plain data plus positions, for JSON5/JSONC job files and YAML manifests.

Anything a parser can throw is turned into a ``SyntaxProblem`` with a position: a job file is user
input and must never produce a traceback. YAML is loaded with the safe loader and with aliases
refused outright, which makes alias bombs ("billion laughs") fail in microseconds instead of
expanding; Kubernetes manifests never need aliases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import json5
import yaml

from ._json5_text import json5_as_json
from ._plain_values import first_unusable_value
from ._positions import (
    MAX_DEPTH,
    DuplicateKeyError,
    PositionMap,
    TooDeepError,
    json5_positions,
)
from ._problems import START, Position


class SyntaxProblem(Exception):
    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


class ParsedDocument:
    """Parsed data plus positions. JSON positions are computed only when first asked for (to
    locate a problem), so loading a large valid file costs one C-speed parse."""

    def __init__(self, data: Any, positions: PositionMap | Callable[[], PositionMap]) -> None:
        self.data = data
        self._positions = positions

    @property
    def positions(self) -> PositionMap:
        if callable(self._positions):
            self._positions = self._positions()
        return self._positions


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    pairs = list(pairs)
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


_JSON5_ERROR = re.compile(
    r"^<string>:(?P<line>\d+) (?P<what>.*?)(?: at column (?P<col>\d+))?$", re.DOTALL
)
"""json5's messages; the unexpected character may itself be a line break."""


def parse_json5(text: str) -> ParsedDocument:
    """Plain JSON goes through the C parser; JSONC/JSON5 (comments, trailing commas, ...)
    through json5. Either way duplicate keys are refused and positions come from the scanner."""
    try:
        data = _loads(text)
    except _DuplicateKey:
        _positions(text)  # raises the located duplicate-key problem
        raise AssertionError("unreachable: the scanner finds every duplicate key") from None
    except RecursionError:
        raise SyntaxProblem(START, f"document is nested too deeply (limit {MAX_DEPTH})") from None
    except SyntaxProblem:
        raise
    except Exception as exc:  # json5 raises ValueError, but arbitrary input must never escape
        raise _json5_problem(str(exc)) from None
    if _depth_exceeds(data, MAX_DEPTH):
        _positions(text)  # raises the located too-deep problem
    document = ParsedDocument(data, lambda: _positions(text))
    _refuse_unusable_values(document)
    return document


def _refuse_unusable_values(document: ParsedDocument) -> None:
    unusable = first_unusable_value(document.data)
    if unusable is not None:
        path, is_key, message = unusable
        raise SyntaxProblem(document.positions.locate(path, prefer_key=is_key), message)


JSON5_MAX_CHARS = 16 * 1024
"""Larger files that no C path reads are judged by the C parser's message, not json5's: json5
(pure Python) takes seconds per hundred kilobytes."""


def _loads(text: str) -> Any:
    """JSON, then JSONC/JSON5 converted token by token (comments and trailing commas blanked,
    keys quoted), both by the C parser; json5 itself only where that fails, in files of at most
    ``JSON5_MAX_CHARS`` (larger ones get the C parser's located message)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        failure = exc.pos, exc.msg
    converted = json5_as_json(text)
    if converted is not None:
        try:
            return json.loads(converted[0], object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            failure = converted[1].original(exc.pos), exc.msg
    if len(text) <= JSON5_MAX_CHARS:
        return json5.loads(text, object_pairs_hook=_no_duplicates)
    offset, message = failure
    raise SyntaxProblem(
        _offset_position(text, offset),
        f"invalid JSONC: {message[:1].lower()}{message[1:]}; check for a missing comma, quote, "
        "colon or bracket here or just before",
    )


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]
    return False


def _positions(text: str) -> PositionMap:
    try:
        return json5_positions(text)
    except DuplicateKeyError as dup:
        raise SyntaxProblem(
            dup.position,
            f"duplicate key {dup.key!r} (first defined at line {dup.first.line}); "
            "keep only one of them",
        ) from None
    except (TooDeepError, RecursionError) as deep:
        where = deep.position if isinstance(deep, TooDeepError) else START
        raise SyntaxProblem(where, f"document is nested too deeply (limit {MAX_DEPTH})") from None


def _json5_problem(message: str) -> SyntaxProblem:
    if message.startswith("Empty strings"):
        return SyntaxProblem(START, "the file is empty; a job file holds one JSON object")
    match = _JSON5_ERROR.match(message.strip())
    if not match:
        return SyntaxProblem(START, f"invalid JSONC: {message}")
    what = match["what"].replace("Unexpected", "unexpected").replace("\n", "\\n")
    what = what.replace("\r", "\\r").replace("\t", "\\t")
    where = Position(int(match["line"]), int(match["col"] or 1))
    return SyntaxProblem(
        where,
        f"invalid JSONC: {what}; check for a missing comma, quote, colon or bracket here "
        "or just before",
    )


class _SafeNoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, so no document can expand beyond its own text."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML aliases (*name) are not allowed in manifests; write the value out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def parse_yaml(text: str) -> list[ParsedDocument]:
    """All documents of a YAML stream, empty documents skipped."""
    try:
        return _parse_yaml_documents(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark else START
        raise SyntaxProblem(where, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:
        raise SyntaxProblem(
            _offset_position(text, exc.position), f"invalid YAML: {exc.reason}"
        ) from None
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as exc:
        raise SyntaxProblem(START, f"invalid YAML: {exc}") from None


def _parse_yaml_documents(text: str) -> list[ParsedDocument]:
    loader = _SafeNoAliasLoader(text)
    documents: list[ParsedDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            positions = PositionMap()
            _yaml_positions(loader, node, (), positions, 0)
            document = ParsedDocument(loader.construct_document(node), positions)
            _refuse_unusable_values(document)
            documents.append(document)
    finally:
        loader.dispose()
    return documents


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _yaml_positions(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: tuple[str | int, ...],
    positions: PositionMap,
    depth: int,
) -> None:
    here = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if depth > MAX_DEPTH:
        raise SyntaxProblem(here, f"document is nested too deeply (limit {MAX_DEPTH})")
    positions.values[path] = here
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            at = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key, str | int):
                raise SyntaxProblem(at, "mapping keys must be plain strings")
            if key in seen:
                raise SyntaxProblem(
                    at,
                    f"duplicate key {key!r} (first defined at line {seen[key].line}); "
                    "keep only one of them",
                )
            seen[key] = at
            positions.keys[(*path, key)] = at
            _yaml_positions(loader, value_node, (*path, key), positions, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_positions(loader, item, (*path, index), positions, depth + 1)
