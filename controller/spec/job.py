"""The Job document: what a ``*.job.jsonc`` file holds and what a ``Job`` resource's spec holds.

This is the single model both sources are parsed with, and the one the JSON Schema and the CRDs
are generated from, so the three can never disagree.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue, SecretStr, model_validator
from pydantic_core import PydanticCustomError

from ._base import AT, StrictModel, variant
from ._delivery_models import Sink, WebhookNotification
from ._payload import Payload
from ._schedule_models import ScheduleSpec
from ._types import JobId, SecretProxyUrl, WholeNumber

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_CONCURRENCY = 5
DEFAULT_REQUEST_TIMEOUT_S = 600
DEFAULT_PAGES_PER_CONTEXT = 100
MAX_ATTEMPTS = 100
"""Most attempts of a Run (and of an AuthSession's check or creation): more is a loop, not a
retry policy; like every bound here, it keeps counts within what the store holds (64 bits)."""
MAX_REQUEST_TIMEOUT_S = 7 * 24 * 3600
"""Longest attempt: a week."""

Isolation = Literal["context", "page"]
"""What each attempt gets of its own: a fresh browser context (``context``), or a new page in a
context that consecutive attempts of the same JobRun on one worker share (``page``)."""
TraceMode = Literal["off", "on", "retain-on-failure", "on-first-retry", "full"]
"""Which attempts keep a Playwright trace (Playwright Test's words; ``full`` is ``on`` with
screenshots and DOM snapshots)."""
DEFAULT_ISOLATION: Isolation = "page"
DEFAULT_TRACE: TraceMode = "on-first-retry"
CONFIGURATION_EXTENSIONS: dict[str, Any] = {
    "isolation": DEFAULT_ISOLATION,
    "pagesPerContext": DEFAULT_PAGES_PER_CONTEXT,
    "trace": DEFAULT_TRACE,
    "pauseOnFailure": False,
}
"""jobctl's settings in ``configuration`` beyond Intuned's, with their defaults."""
NULLABLE_PARTS = frozenset(
    {"schedule", "sink", "notifications", "auth_session", "authSession", "proxy"}
)
"""Optional parts of a Job that may be given as null (Intuned's models allow it): absent."""


class RetryPolicy(StrictModel):
    maximumAttempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=MAX_ATTEMPTS)


class PayloadItem(StrictModel):
    """One API call of a JobRun: becomes one Run."""

    apiName: str = variant("apiName", "api", min_length=1)
    parameters: dict[str, JsonValue] = {}
    retry: RetryPolicy | None = Field(
        default=None, description="Overrides configuration.retry for this item."
    )
    requestTimeout: int | None = Field(
        default=None,
        ge=1,
        le=MAX_REQUEST_TIMEOUT_S,
        description="Overrides configuration.requestTimeout for this item.",
    )


class Configuration(StrictModel):
    retry: RetryPolicy = RetryPolicy()
    maxConcurrentRequests: WholeNumber = variant(
        "maxConcurrentRequests",
        "maximumConcurrentRequests",
        default=DEFAULT_CONCURRENCY,
        ge=1,
        le=25,
        description="Payload items executing at once within one JobRun (1-25).",
    )
    requestTimeout: int = Field(
        default=DEFAULT_REQUEST_TIMEOUT_S,
        ge=1,
        le=MAX_REQUEST_TIMEOUT_S,
        description="Seconds per Run attempt.",
    )
    maxRuns: int | None = Field(
        default=None,
        ge=1,
        description="Most Runs one JobRun may have, payload and extend_payload together; "
        "items extend_payload adds beyond it are dropped (and said so in the JobRun's log).",
    )
    proxy: SecretProxyUrl | None = None
    isolation: Isolation = Field(
        default=DEFAULT_ISOLATION,
        description="Extension. context: a fresh browser context per attempt (nothing shared "
        "between Runs). page: a new page per attempt in a context shared by consecutive "
        "attempts of this JobRun on one worker (cookies and storage carry over), replaced "
        "after pagesPerContext attempts and after any failed attempt; a retry always starts "
        "in a fresh context. Jobs with an AuthSession get a context per attempt either way.",
    )
    pagesPerContext: int = Field(
        default=DEFAULT_PAGES_PER_CONTEXT,
        ge=1,
        description="Extension. With isolation page: attempts one shared context serves "
        "before it is replaced.",
    )
    trace: TraceMode = Field(
        default=DEFAULT_TRACE,
        description="Extension. Which attempts keep a Playwright trace: off, on (every "
        "attempt), retain-on-failure (recorded always, kept for failed attempts), "
        "on-first-retry (the second attempt of a Run), full (every attempt, with screenshots "
        "and DOM snapshots). Every attempt keeps its log.",
    )
    pauseOnFailure: bool = Field(
        default=False,
        description="Extension. true: a JobRun that ends FAILURE, or COMPLETED with failed "
        "Runs, pauses the Job, with a note saying which JobRun and why; resume it once fixed.",
    )


class AuthSessionRef(StrictModel):
    id: str = Field(min_length=1)
    checkAttempts: int = Field(default=3, ge=1, le=MAX_ATTEMPTS)
    createAttempts: int = Field(default=3, ge=1, le=MAX_ATTEMPTS)
    autoRecreate: bool | None = Field(
        default=None,
        description="Whether a session that fails its check is recreated with its "
        "credentials (the default); false: the attempt fails instead (Intuned's Run API).",
    )
    saveTrace: bool | None = Field(
        default=None,
        description="Accepted for Intuned compatibility, no effect: the AuthSession's check "
        "and create steps run inside an attempt, whose trace follows configuration.trace.",
    )


class ProxySettings(StrictModel):
    version: Literal["v1"] = "v1"
    url: SecretProxyUrl


class JobDefinition(StrictModel):
    """A Job as written by a person: payload, configuration, schedule, sink, notifications."""

    schema_uri: str | None = Field(
        default=None, alias="$schema", description="JSON Schema URI for editors; ignored."
    )
    id: JobId | None = Field(
        default=None, description="Optional; must equal the file name (or metadata.name)."
    )
    payload: Payload[PayloadItem]
    """Kept compact (``_payload.py``)."""
    configuration: Configuration = Configuration()
    schedule: ScheduleSpec | None = None
    sink: Sink | None = None
    notifications: list[WebhookNotification] = []
    auth_session: AuthSessionRef | None = variant("auth_session", "authSession", default=None)
    proxy: ProxySettings | SecretProxyUrl | None = Field(
        default=None, description="The proxy, as {version, url} or as its URL alone."
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        """Intuned's API sends null for an optional part that is not set."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (v is None and k in NULLABLE_PARTS)}
        return data

    @model_validator(mode="after")
    def _runs_fit(self) -> JobDefinition:
        cap = self.configuration.maxRuns
        if cap is not None and len(self.payload) > cap:
            raise PydanticCustomError(
                "too_many_items",
                "the payload has {count} items, more than configuration.maxRuns ({cap}); "
                "raise maxRuns or split the Job",
                {"count": len(self.payload), "cap": cap, AT: ("configuration", "maxRuns")},
            )
        return self

    @property
    def proxy_url(self) -> SecretStr | None:
        """The proxy, wherever it is set (``configuration.proxy`` or ``proxy``)."""
        if isinstance(self.proxy, ProxySettings):
            return self.proxy.url
        return self.configuration.proxy or self.proxy

    @model_validator(mode="after")
    def _one_proxy(self) -> JobDefinition:
        if self.proxy is not None and self.configuration.proxy is not None:
            raise PydanticCustomError(
                "conflicting_proxy",
                "a proxy is set both in configuration.proxy and in proxy; keep only one",
                {AT: ("proxy",)},
            )
        return self

    def max_attempts(self, item: PayloadItem) -> int:
        """The item's own retry policy wins over the Job's."""
        return (item.retry or self.configuration.retry).maximumAttempts

    def canonical(self, *, payload: bool = True) -> dict[str, Any]:
        """The normalised document: canonical spellings, defaults filled in, secrets masked;
        jobctl's extension settings only where they differ from their defaults, so that a
        JobRun's configuration snapshot keeps the reference's shape (readers fall back to
        ``CONFIGURATION_EXTENSIONS``). Without ``payload`` (a JobRun's snapshot: its payload is
        its Runs), a Job of 100,000 items costs no copy of them."""
        exclude = {"schema_uri"} if payload else {"schema_uri", "payload"}
        document = self.model_dump(mode="json", exclude=exclude, exclude_none=True)
        if isinstance(document.get("proxy"), str):
            document["proxy"] = {"version": "v1", "url": document["proxy"]}
        configuration = document["configuration"]
        for key, default in CONFIGURATION_EXTENSIONS.items():
            if configuration.get(key) == default:
                del configuration[key]
        return document
