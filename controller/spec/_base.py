"""Base model for every user-written document: strict, closed, and aware of spelling variants.

The Intuned docs spell some keys two ways (``apiName``/``api``, ``maxConcurrentRequests``/
``maximumConcurrentRequests``, ``auth_session``/``authSession``). A field declared with
``variant(canonical, *others)`` accepts any one spelling, refuses two at once, serialises under
the canonical name, and appears under every spelling in the JSON Schema (with a ``oneOf``/``not``
so editors flag the same conflicts). Unknown keys are errors (``extra="forbid"``); strict mode
keeps "3" from silently becoming 3.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

AT = "at"
"""Error-context key holding a sub-path below the error's own location (see ``_errors``)."""
AT_KEY = "at_key"
"""Error-context flag: the sub-path names a key, so point at the key rather than its value."""


def variant(canonical: str, *others: str, **kwargs: Any) -> Any:
    """A field spelled ``canonical`` or any of ``others``; serialised as ``canonical``."""
    return Field(
        validation_alias=AliasChoices(canonical, *others),
        serialization_alias=canonical,
        **kwargs,
    )


@functools.cache
def _spellings(model: type[BaseModel]) -> Mapping[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, field in model.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            choices = tuple(str(c) for c in alias.choices)
            out[choices[0]] = choices
        else:
            key = field.alias or name
            out[key] = (key,)
    return MappingProxyType(out)


@functools.cache
def _variants(model: type[BaseModel]) -> tuple[tuple[str, ...], ...]:
    """The settings of ``model`` with more than one spelling."""
    return tuple(choices for choices in _spellings(model).values() if len(choices) > 1)


class StrictModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        serialize_by_alias=True,
        validate_by_alias=True,
        validate_by_name=False,
        hide_input_in_errors=True,
    )

    @classmethod
    def spellings(cls) -> Mapping[str, tuple[str, ...]]:
        """Canonical key -> every accepted spelling, for each field of this model (made once
        per model: every payload item of a 100,000-item file asks)."""
        return _spellings(cls)

    @classmethod
    def accepted_keys(cls) -> list[str]:
        return [s for spellings in cls.spellings().values() for s in spellings]

    @model_validator(mode="before")
    @classmethod
    def _one_spelling_each(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for spellings in _variants(cls):
                present = [key for key in data if key in spellings]  # document order
                if len(present) > 1:
                    raise PydanticCustomError(
                        "conflicting_spellings",
                        "{first} and {second} are two spellings of the same setting; keep only one",
                        {
                            "first": repr(present[0]),
                            "second": repr(present[1]),
                            AT: (present[1],),
                            AT_KEY: True,
                        },
                    )
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties: dict[str, Any] = target.get("properties", {})
        required: list[str] = target.get("required", [])
        constraints: list[dict[str, Any]] = []
        for canonical, spellings in cls.spellings().items():
            if len(spellings) == 1 or canonical not in properties:
                continue
            for other in spellings[1:]:
                alternative = copy.deepcopy(properties[canonical])
                alternative["description"] = f"Alternative spelling of `{canonical}`."
                properties[other] = alternative
            if canonical in required:
                required.remove(canonical)
                constraints.append({"oneOf": [{"required": [s]} for s in spellings]})
            else:
                constraints.append(
                    {"not": {"anyOf": [{"required": list(pair)} for pair in _pairs(spellings)]}}
                )
        if not required:
            target.pop("required", None)
        if constraints:
            target["allOf"] = constraints
        return schema


def _pairs(items: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(items) for b in items[i + 1 :]]
