"""Specs of resources read from a cluster: validated like files, located by data path.

A resource has no file and no line numbers, so its problems name the field
(``spec.sink.accessKeyId: ...``), which is what ``kubectl explain`` and ``kubectl edit`` use.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._errors import problems_from_validation
from ._positions import PositionMap
from ._secret_refs import SECRETS_CONTEXT, SecretLookup

ModelT = TypeVar("ModelT", bound=BaseModel)


class ResourceSpecError(ValueError):
    """The spec cannot be used; ``problems`` holds one line per problem, naming its field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_resource_spec(
    model: type[ModelT],
    spec: dict[str, Any],
    *,
    secrets: SecretLookup,
    ignore: Collection[str] = (),
) -> ModelT:
    """``ignore``: cluster-only keys the model does not describe (e.g. ``suspend``)."""
    data = {key: value for key, value in spec.items() if key not in ignore}
    try:
        return model.model_validate(data, context={SECRETS_CONTEXT: secrets})
    except ValidationError as exc:
        problems = problems_from_validation(
            exc, file="", data=data, positions=PositionMap(), model=model, prefix=("spec",)
        )
        raise ResourceSpecError([p.message for p in problems]) from None
