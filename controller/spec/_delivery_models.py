"""Where results go: the ``sink`` (per-Run results) and ``notifications`` (per-JobRun events).

Credentials and header values are ``SecretValue`` so that no repr, log line or error message can
print them by accident; code that really needs a value must call ``get_secret_value()``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ._base import StrictModel
from ._types import HttpUrl, SecretValue, SigningSecret

ApiNames = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class WebhookSink(StrictModel):
    """POST each Run's results line to ``url``."""

    type: Literal["webhook"]
    url: HttpUrl
    headers: dict[str, SecretValue] = {}
    skipOnFail: bool = False
    apisToSend: ApiNames | None = None
    signingSecret: SigningSecret | None = Field(
        default=None,
        description="Standard Webhooks secret (whsec_...); when set, deliveries are signed.",
    )


class S3Sink(StrictModel):
    """Write each Run's results line as one object to an S3-compatible bucket."""

    type: Literal["s3"]
    bucket: str = Field(min_length=1)
    region: str = Field(min_length=1)
    accessKeyId: SecretValue
    secretAccessKey: SecretValue
    prefix: str = ""
    endpoint: HttpUrl | None = None
    forcePathStyle: bool = False
    skipOnFail: bool = False
    apisToSend: ApiNames | None = None


Sink = Annotated[WebhookSink | S3Sink, Field(discriminator="type")]


class WebhookNotification(StrictModel):
    """One POST per JobRun when it is COMPLETED, FAILURE, TERMINATED or PAUSED."""

    type: Literal["webhook"]
    url: HttpUrl
    headers: dict[str, SecretValue] = {}
    signingSecret: SigningSecret | None = Field(
        default=None,
        description="Standard Webhooks secret (whsec_...); when set, notifications are signed.",
    )
