"""Every secret a Job definition holds, and a redactor that keeps them out of text.

Secrets are ``SecretStr`` fields, so a model never prints them; but a value can still reach text
through a third party (an HTTP library repeating a URL, an S3 error echoing a key ID). Text that
leaves the controller (log lines, stored errors, notices) goes through ``Redactor.redact``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"
_MIN_SECRET_LENGTH = 4
"""Shorter values are not redacted: masking every "a" would make text unreadable and such a
value is no secret worth the name."""


def secret_values(model: BaseModel) -> set[str]:
    """Every ``SecretStr`` value in the model, and for URLs also their decoded password."""
    found: set[str] = set()
    for value in _walk(model):
        text = value.get_secret_value()
        found.add(text)
        try:
            password = urlsplit(text).password
        except ValueError:
            password = None
        if password:
            found |= {password, unquote(password)}
    return {s for s in found if len(s) >= _MIN_SECRET_LENGTH}


def _walk(value: object) -> Iterator[SecretStr]:
    if isinstance(value, SecretStr):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


class Redactor:
    """Replaces known secret values with ``***``. Secrets are only ever added: a value that was
    a secret once stays masked for the life of the process."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        merged = set(self._secrets) | {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        self._secrets = sorted(merged, key=len, reverse=True)  # longest first: no partial leaks

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
