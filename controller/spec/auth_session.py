"""AuthSession definitions: ``intuned-resources/auth-sessions/<id>.auth-session.jsonc``.

Two kinds, as on Intuned. A credential-based AuthSession holds the parameters the project's
``auth-sessions/create.py`` logs in with, so the controller recreates it when it expires. A
recorder-based one (``type: recorder``) is signed in by a person in a browser the controller
opens at its ``startUrl`` (for sites with MFA, captchas or single sign-on, where no script can
sign in); it holds no credentials and is never recreated: once its state fails ``check.py``, a
person must sign in again.

A credential A value is either inline (a ``SecretStr``: never printed) or a reference to an
environment variable of the controller (``{"env": "NAME"}``), resolved only when the session is
recreated, so that committed files need not hold passwords; an ``AuthSession`` resource may also
name a Secret's key (``valueFrom.secretKeyRef``, see ``_secret_refs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AliasChoices, Discriminator, Field, Tag, model_validator

from ._base import StrictModel
from ._types import JobId, SecretValue

AuthSessionKind = Literal["credentials", "recorder"]


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
    type: AuthSessionKind = Field(
        default="credentials",
        description="credentials: create.py signs in with `credentials` and the controller "
        "recreates the session when it expires. recorder: a person signs in, in a browser "
        "opened at `startUrl` (dashboard or `jobctl authsessions record`); never recreated.",
    )
    credentials: Annotated[dict[str, CredentialValue], Field(min_length=1)] | None = Field(
        default=None,
        validation_alias=AliasChoices("credentials", "parameters"),
        description="Parameters for auth-sessions/create.py (credentials sessions only): inline "
        "values or {env: NAME}; in an AuthSession resource also {valueFrom: {secretKeyRef: "
        "{name, key}}}. Intuned's files name them `parameters`, which is read the same way.",
    )
    startUrl: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="recorder sessions: the page the person signs in on.",
    )
    finishUrl: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="recorder sessions: reaching a URL that starts with it ends the sign-in and "
        "saves the browser state (without it, the person saves it).",
    )

    @model_validator(mode="after")
    def _kind_has_its_fields(self) -> AuthSessionDefinition:
        if self.type == "credentials" and not self.credentials:
            raise ValueError(
                "a credentials AuthSession needs `credentials` (the parameters create.py signs "
                'in with); for a session a person signs in to, set "type": "recorder" and '
                "`startUrl`"
            )
        if self.type == "recorder" and self.startUrl is None:
            raise ValueError("a recorder AuthSession needs `startUrl`, the page to sign in on")
        if self.type == "recorder" and self.credentials:
            raise ValueError(
                "a recorder AuthSession holds no `credentials` (a person signs in); remove them"
            )
        return self


class CredentialError(Exception):
    """A credential cannot be resolved; the message names the key and variable, never a value."""


def resolve_credentials(
    definition: AuthSessionDefinition, environ: Mapping[str, str]
) -> dict[str, str]:
    resolved = {}
    for key, value in (definition.credentials or {}).items():
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
