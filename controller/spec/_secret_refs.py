"""Secret values that a resource in a cluster takes from a Kubernetes Secret.

In a ``Job`` or ``AuthSession`` resource, every secret field (sink credentials, header values,
signing secrets, proxy URLs, AuthSession credentials) may be written as
``{"valueFrom": {"secretKeyRef": {"name": SECRET, "key": KEY}}}`` instead of the value, so that
manifests committed to git or applied by CI hold no credentials.

Parsing stays pure: whoever parses a resource reads the Secrets it names first
(``referenced_secrets``) and passes a ``SecretLookup`` in the validation context under
``SECRETS_CONTEXT``. The reference is replaced by the value during validation, so everything past
parsing sees one kind of secret, a ``SecretStr``. Without a lookup (a job file, which has no
Secrets to read) the reference form is an error saying so; with ``SHAPE_ONLY`` (``jobctl
validate`` of a manifest, which must not need cluster access) it is checked for shape and kept
as an ``UnresolvedSecret``, which the value checks of signing secrets and proxy URLs let pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from pydantic import SecretStr, ValidationInfo
from pydantic_core import PydanticCustomError

SECRETS_CONTEXT: Final = "secrets"
SHAPE_ONLY: Final = "shape-only"
REFERENCE_FORM = '{"valueFrom": {"secretKeyRef": {"name": SECRET, "key": KEY}}}'

SecretLookup = Callable[[str, str], str]
"""(Secret name, key) -> the value; raises ``LookupError`` with a message saying what to fix."""


class UnresolvedSecret(SecretStr):
    """A reference that was checked for shape only; it holds no value."""


def referenced_secrets(document: Any) -> set[str]:
    """Names of every Secret the document refers to (any depth; only names, no values)."""
    return {reference[0] for reference in _references(document)}


def _references(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        reference = _reference(value)
        if reference is not None:
            yield reference
            return
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _reference(value: dict[Any, Any]) -> tuple[str, str] | None:
    source = value.get("valueFrom")
    if not isinstance(source, dict):
        return None
    selector = source.get("secretKeyRef")
    if not (
        isinstance(selector, dict)
        and set(value) == {"valueFrom"}
        and set(source) == {"secretKeyRef"}
        and set(selector) == {"name", "key"}
        and all(isinstance(selector[k], str) and selector[k] for k in ("name", "key"))
    ):
        return None
    return selector["name"], selector["key"]


def from_secret_reference(value: Any, info: ValidationInfo) -> Any:
    """Before-validator of secret fields: a reference becomes the Secret's value."""
    if not (isinstance(value, dict) and "valueFrom" in value):
        return value
    reference = _reference(value)
    if reference is None:
        raise PydanticCustomError(
            "secret_reference", "a value from a Secret is written {form}", {"form": REFERENCE_FORM}
        )
    lookup = (info.context or {}).get(SECRETS_CONTEXT)
    if lookup is None:
        raise PydanticCustomError(
            "secret_reference",
            "valueFrom.secretKeyRef works in Job and AuthSession resources, where the operator "
            "reads the Secret; in a file, write the value itself (AuthSession credentials may "
            'also use {"env": NAME})',
        )
    if lookup == SHAPE_ONLY:
        return UnresolvedSecret("")
    try:
        return lookup(*reference)
    except LookupError as exc:
        raise PydanticCustomError("secret_reference", "{why}", {"why": str(exc.args[0])}) from None
