"""A Job's payload as it is kept: each item as its compact JSON, not as a model.

A job file of 100,000 items would hold 100,000 ``PayloadItem`` models (about 600 bytes each, the
parameters' copy included) for as long as the Job is defined, though they are read only when a
JobRun is created. Each item is validated on its own and turned into its text at once, so a file
never has all its models alive together (the peak of loading it is the parsed document and the
texts); a trigger validates the text again as it makes each Run (a few microseconds an item).

Invariant: every text is the JSON of a valid ``PayloadItem`` under its canonical spellings, so
reading an item back cannot fail; two payloads are equal when their texts are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, get_args, overload

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

Item = TypeVar("Item", bound=BaseModel)


class Payload(Sequence[Item], Generic[Item]):
    """``Payload[PayloadItem]``: a non-empty list of items in a document, validated item by
    item, kept as texts, serialised as the list of items; errors keep their locations (the
    item's index and field), and the JSON Schema is the list's."""

    __slots__ = ("_read", "_texts")

    def __init__(self, texts: tuple[str, ...], read: Callable[[str], Item]) -> None:
        self._texts = texts
        self._read = read
        """The item model's ``model_validate_json``."""

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> Payload[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | Payload[Item]:
        if isinstance(index, slice):
            return Payload(self._texts[index], self._read)
        return self._read(self._texts[index])

    def __iter__(self) -> Iterator[Item]:
        return map(self._read, self._texts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Payload) and self._texts == other._texts

    def __hash__(self) -> int:
        return hash(self._texts)

    def __repr__(self) -> str:
        return f"Payload({len(self._texts)} items)"

    def dump(self) -> list[Any]:
        """The items as JSON data under their canonical spellings (an API's Job view)."""
        return [json.loads(text) for text in self._texts]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        (model,) = get_args(source)

        def compact(item: BaseModel) -> str:
            return item.model_dump_json(exclude_none=True)

        def collect(texts: list[str]) -> Payload[Any]:
            return Payload(tuple(texts), model.model_validate_json)

        items = core_schema.no_info_after_validator_function(
            compact, handler.generate_schema(model)
        )
        return core_schema.no_info_after_validator_function(
            collect,
            core_schema.list_schema(items, min_length=1),
            serialization=core_schema.plain_serializer_function_ser_schema(
                Payload.dump, when_used="always"
            ),
        )
