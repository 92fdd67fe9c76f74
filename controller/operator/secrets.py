"""Reading the Secrets a resource's spec refers to (``valueFrom.secretKeyRef``).

Parsing is pure and synchronous, reading Secrets is neither: the names a spec mentions are
collected first, those Secrets read (in the operator's namespace only: a Job can never reach a
Secret of another namespace), and parsing then looks values up in what was read. Values stay in
memory only; they reach the engine as ``SecretStr``, and the redactor learns them when the
definition is adopted. Messages name Secrets and keys, never values.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.rest import ApiException

from ..spec import SecretLookup, referenced_secrets


class SecretReader:
    def __init__(self, core: CoreV1Api, namespace: str) -> None:
        self.core = core
        self.namespace = namespace

    async def lookup_for(self, spec: dict[str, Any]) -> tuple[SecretLookup, set[str]]:
        """A lookup over the Secrets ``spec`` refers to, and their names."""
        names = referenced_secrets(spec)
        found: dict[str, dict[str, str] | str] = {}
        for name in names:
            found[name] = await self._read(name)

        def lookup(name: str, key: str) -> str:
            data = found.get(name)
            if isinstance(data, str):
                raise LookupError(data)
            if data is None or key not in data:
                raise LookupError(
                    f"Secret {name!r} has no key {key!r}; add the key or fix secretKeyRef.key"
                )
            return data[key]

        return lookup, names

    async def _read(self, name: str) -> dict[str, str] | str:
        """The Secret's decoded data, or why it cannot be used."""
        try:
            secret = await asyncio.to_thread(self.core.read_namespaced_secret, name, self.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return (
                    f"Secret {name!r} does not exist in namespace {self.namespace!r}; "
                    "create it or fix secretKeyRef.name"
                )
            return (
                f"Secret {name!r} cannot be read (HTTP {exc.status}); the operator needs "
                f"'get' on secrets in namespace {self.namespace!r}"
            )
        values = {}
        for key, encoded in (secret.data or {}).items():
            try:
                values[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                continue  # binary keys are no credentials; a reference to one says "no key"
        return values
