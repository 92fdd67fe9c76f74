"""Pydantic validation errors -> located, actionable ``Problem``s.

Pydantic reports a ``loc`` that mixes data keys with union bookkeeping (discriminator tags,
member type names). ``_data_path`` recovers the real data path by walking the document alongside
the ``loc`` and keeping only the steps that exist in the data; errors raised by our own validators
may add an ``AT`` sub-path to point below their field (e.g. at ``end`` inside a range object).

Messages name JSON types, never input values, so a secret that fails validation is not echoed.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ._base import AT, AT_KEY, StrictModel
from ._payload import Payload
from ._positions import PositionMap
from ._problems import DataPath, Problem, format_data_path

_JSON_TYPE_NAMES = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


def problems_from_validation(
    error: ValidationError,
    *,
    file: str,
    data: Any,
    positions: PositionMap,
    model: type[BaseModel],
    prefix: DataPath = (),
) -> list[Problem]:
    """One problem per pydantic error; ``prefix`` is where ``data`` sits in the document."""
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        path = _data_path(data, loc)
        kind = detail["type"]
        if kind == "extra_forbidden":
            message = _unknown_key(str(path[-1]), _model_at(model, loc[:-1]))
            full, prefer_key = path, True
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
            full, prefer_key = path, False
        else:
            ctx = detail.get("ctx") or {}
            full, prefer_key = (*path, *ctx.get(AT, ())), bool(ctx.get(AT_KEY))
            message = _describe(detail)
        named = full[:-1] if kind == "extra_forbidden" else full  # the key names itself
        where = format_data_path((*prefix, *named))
        problems.append(
            Problem(
                file=file,
                position=positions.locate((*prefix, *full), prefer_key=prefer_key),
                message=f"{where}: {message}" if where else message,
                data_path=(*prefix, *full),
            )
        )
    return sorted(problems, key=lambda p: p.position)


def _data_path(data: Any, loc: tuple[str | int, ...]) -> DataPath:
    path: list[str | int] = []
    current: Any = data
    for part in loc:
        in_object = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if not (in_object or in_list):
            continue  # a union tag or member name, not a step in the document
        current = current[part]
        path.append(part)
    return tuple(path)


SHOWN_KEY_CHARS = 60
"""Keys echoed in messages are cut to this: a file may hold a key of megabytes."""


def _shown(key: str) -> str:
    if len(key) <= SHOWN_KEY_CHARS:
        return repr(key)
    return f"{key[:SHOWN_KEY_CHARS]!r}... ({len(key)} characters)"


def _unknown_key(key: str, model: type[BaseModel] | None) -> str:
    if model is None or not issubclass(model, StrictModel):
        return f"unknown key {_shown(key)}; remove it"
    accepted = model.accepted_keys()
    close: list[str] = []
    if len(key) <= SHOWN_KEY_CHARS:  # no real key is longer: no near miss to look for
        close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
        lowered = {k.lower(): k for k in accepted}
        close = close or ([lowered[key.lower()]] if key.lower() in lowered else [])
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key {_shown(key)}; {hint}allowed keys here: {', '.join(accepted)}"


def _describe(detail: ErrorDetails) -> str:
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    got = _JSON_TYPE_NAMES.get(type(detail.get("input")), "another type")
    expected = {
        "string_type": "a string",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "bool_type": "true or false",
        "dict_type": "an object",
        "model_type": "an object",
        "model_attributes_type": "an object",
        "list_type": "a list",
        "float_type": "a number",
    }.get(kind)
    if expected:
        return f"expected {expected}, got {got}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        sign = {
            "greater_than_equal": ">=",
            "less_than_equal": "<=",
            "greater_than": ">",
            "less_than": "<",
        }[kind]
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "le", "gt", "lt")))
        return f"must be {sign} {bound}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    if kind == "union_tag_invalid":
        return f"type {ctx.get('tag')!r} is not supported; use {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"missing key {ctx.get('discriminator')}; say which kind this is"
    message = detail["msg"]
    return message[:1].lower() + message[1:]


def _model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that validated the object at ``loc`` (for listing its keys)."""
    current: Any = root
    for part in loc:
        current = _step(current, part)
        if current is None:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [m for m in get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
    return annotation


def _step(annotation: Any, part: str | int) -> Any:
    annotation = _strip(annotation)
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            keys = (
                annotation.spellings() if issubclass(annotation, StrictModel) else {name: (name,)}
            )
            if part in keys.get(field.serialization_alias or field.alias or name, ()):
                return field.annotation
        return None
    if origin in (list, tuple, Payload):
        return get_args(annotation)[0] if isinstance(part, int) else None
    if origin is dict:
        return get_args(annotation)[1]
    if origin in (Union, types.UnionType):
        for option in get_args(annotation):
            member = _strip(option)
            if getattr(member, "__name__", None) == part or _tag_of(member) == part:
                return member
    return None


def _tag_of(member: Any) -> Any:
    if isinstance(member, type) and issubclass(member, BaseModel) and "type" in member.model_fields:
        literal = member.model_fields["type"].annotation
        if get_origin(literal) is Literal:
            return get_args(literal)[0]
    return None
