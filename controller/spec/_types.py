"""Reusable field types whose validation errors read well and whose JSON Schema is exact."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    PlainValidator,
    SecretStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ._durations import UNITS_HELP, DurationError, parse_duration_ms
from ._secret_refs import UnresolvedSecret, from_secret_reference

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL_PATTERN = _DNS_LABEL.pattern


def is_dns_label(value: str) -> bool:
    return len(value) <= 63 and _DNS_LABEL.fullmatch(value) is not None


def _job_id(value: str) -> str:
    if not is_dns_label(value):
        raise PydanticCustomError(
            "job_id",
            "{value} is not a valid job ID; use at most 63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit",
            {"value": repr(value[:80])},
        )
    return value


JobId = Annotated[
    str,
    AfterValidator(_job_id),
    WithJsonSchema({"type": "string", "pattern": DNS_LABEL_PATTERN, "maxLength": 63}),
]


def _duration(minimum_ms: int) -> Callable[[object], int]:
    def validate(value: object) -> int:
        try:
            ms = parse_duration_ms(value)
        except DurationError as exc:
            raise PydanticCustomError("duration", str(exc)) from None
        if ms < minimum_ms:
            bound = "greater than zero" if minimum_ms == 1 else "zero or more"
            raise PydanticCustomError(
                "duration_range",
                "duration must be {bound} (got {ms} ms)",
                {"bound": bound, "ms": ms},
            )
        return ms

    return validate


def _duration_schema(minimum_ms: int) -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "integer", "minimum": minimum_ms},
            {"type": "string", "pattern": r"^\s*[-+]?(\d+)?\.?\d+ *[A-Za-z]*\s*$"},
        ],
        "description": f"A duration: {UNITS_HELP}.",
    }


_AS_INT = PlainSerializer(int, return_type=int)

PositiveDurationMs = Annotated[
    int, PlainValidator(_duration(1)), _AS_INT, WithJsonSchema(_duration_schema(1))
]
NonNegativeDurationMs = Annotated[
    int, PlainValidator(_duration(0)), _AS_INT, WithJsonSchema(_duration_schema(0))
]


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "time_zone",
            "{value} is not a known IANA time zone; use a name like 'UTC', 'Europe/Berlin' "
            "or 'America/New_York'",
            {"value": repr(value[:80])},
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole)]
"""An integer, also written as a float with no fraction (``2.0``): Intuned's SDK types
``maxConcurrentRequests`` as a float and sends it so."""


def _url_validator(schemes: tuple[str, ...], *, secret: bool) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        if isinstance(value, UnresolvedSecret):
            return value
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        try:
            parts = urlsplit(text)
            valid = parts.scheme in schemes and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            shown = "the URL" if secret else repr(text[:120])
            raise PydanticCustomError(
                "url",
                "{shown} is not a valid URL; use an absolute {schemes} URL",
                {"shown": shown, "schemes": " or ".join(schemes)},
            )
        return value

    return validate


HttpUrl = Annotated[
    str,
    AfterValidator(_url_validator(("http", "https"), secret=False)),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"}),
]
SecretValue = Annotated[SecretStr, BeforeValidator(from_secret_reference)]
"""A secret: the value, or (in a resource) a reference to a Kubernetes Secret's key."""

SecretProxyUrl = Annotated[
    SecretStr,
    BeforeValidator(from_secret_reference),
    AfterValidator(_url_validator(("http", "https", "socks5"), secret=True)),
    WithJsonSchema({"type": "string", "format": "uri", "writeOnly": True}),
]


def _signing_secret(value: SecretStr) -> SecretStr:
    """A Standard Webhooks secret: base64 key bytes, usually behind a ``whsec_`` prefix (the
    reference libraries accept it with or without the prefix, and so do we)."""
    if isinstance(value, UnresolvedSecret):
        return value
    try:
        key = base64.b64decode(value.get_secret_value().removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise PydanticCustomError(
            "signing_secret",
            "the signing secret is not a Standard Webhooks secret; use 'whsec_' followed by "
            "the base64 of 24 to 64 random bytes (e.g. from `openssl rand -base64 32`)",
        )
    return value


SigningSecret = Annotated[
    SecretStr,
    BeforeValidator(from_secret_reference),
    AfterValidator(_signing_secret),
    WithJsonSchema({"type": "string", "pattern": "^(whsec_)?[A-Za-z0-9+/=]+$", "writeOnly": True}),
]
