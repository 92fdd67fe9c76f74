"""AuthSession definitions: ``intuned-resources/auth-sessions/<id>.auth-session.jsonc``.

A credential-based AuthSession holds the parameters the project's ``auth-sessions/create.py``
logs in with. A value is either inline (a ``SecretStr``: never printed) or a reference to an
environment variable of the controller (``{"env": "NAME"}``), resolved only when the session is
recreated, so that committed files need not hold passwords; an ``AuthSession`` resource may also
name a Secret's key (``valueFrom.secretKeyRef``, see ``_secret_refs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AliasChoices, Discriminator, Field, Tag

from ._base import StrictModel
from ._types import JobId, SecretValue


class EnvReference(StrictModel):
    env: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the controller's environment variable that holds the value.",
    )


def _credential_kind(value: object) -> str:
    if isinstance(value, EnvReference) or (isinstance(value, dict) and "valueFrom" not in value):
        return "env"
    return "inline"


CredentialValue = Annotated[
    Annotated[SecretValue, Tag("inline")] | Annotated[EnvReference, Tag("env")],
    Discriminator(_credential_kind),
]
"""A string (the value itself) or ``{"env": NAME}``; deciding by shape first means a mistake in
either form is reported for that form, not as "expected a string"."""


class AuthSessionDefinition(StrictModel):
    schema_uri: str | None = Field(
        default=None, alias="$schema", description="JSON Schema URI for editors; ignored."
    )
    id: JobId | None = Field(default=None, description="Optional; must equal the file name.")
    type: Literal["credentials"] = Field(
        default="credentials",
        description="Only credential-based sessions can be recreated automatically.",
    )
    credentials: Annotated[dict[str, CredentialValue], Field(min_length=1)] = Field(
        validation_alias=AliasChoices("credentials", "parameters"),
        description="Parameters for auth-sessions/create.py: inline values or {env: NAME}; "
        "in an AuthSession resource also {valueFrom: {secretKeyRef: {name, key}}}. Intuned's "
        "files name them `parameters`, which is read the same way.",
    )


class CredentialError(Exception):
    """A credential cannot be resolved; the message names the key and variable, never a value."""


def resolve_credentials(
    definition: AuthSessionDefinition, environ: Mapping[str, str]
) -> dict[str, str]:
    resolved = {}
    for key, value in definition.credentials.items():
        if isinstance(value, EnvReference):
            if value.env not in environ:
                raise CredentialError(
                    f"credential {key!r} comes from environment variable {value.env}, which is "
                    "not set in the controller's environment"
                )
            resolved[key] = environ[value.env]
        else:
            resolved[key] = value.get_secret_value()
    return resolved
