"""S3-compatible object writes: clients, error classification, presigned URLs.

Checksums: recent boto3 adds CRC32 checksums (and trailing-checksum chunked uploads) to every
request by default, which several S3-compatible servers reject; ``when_required`` sends them only
where the S3 API demands them, which every S3-compatible server supports.

boto3 calls block, so callers run them in a thread; a client is thread-safe once created.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from .outcome import DELIVERED, Outcome

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REFUSING_CODES = frozenset(
    {
        "AccessDenied",
        "AccountProblem",
        "AllAccessDisabled",
        "AuthorizationHeaderMalformed",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidBucketName",
        "InvalidToken",
        "NoSuchBucket",
        "PermanentRedirect",
        "SignatureDoesNotMatch",
    }
)
"""Errors that trying again cannot fix: the sink's settings must change first."""


@dataclass(frozen=True)
class S3Target:
    bucket: str
    region: str | None = None
    endpoint: str | None = None
    force_path_style: bool = False
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    """Both None: the default AWS credential chain (environment, profile, instance role)."""


class S3Clients:
    """One client per distinct target settings; creating a client costs milliseconds."""

    def __init__(self) -> None:
        self._clients: dict[S3Target, S3Client] = {}
        self._lock = threading.Lock()

    def get(self, target: S3Target) -> S3Client:
        with self._lock:
            client = self._clients.get(target)
            if client is None:
                config = Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path" if target.force_path_style else "auto"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    connect_timeout=5,
                    read_timeout=30,
                    retries={"total_max_attempts": 2, "mode": "standard"},
                )
                client = boto3.session.Session().client(
                    "s3",
                    region_name=target.region,
                    endpoint_url=target.endpoint,
                    aws_access_key_id=target.access_key_id,
                    aws_secret_access_key=target.secret_access_key,
                    config=config,
                )
                self._clients[target] = client
            return client


def put_object(
    client: S3Client,
    bucket: str,
    key: str,
    body: bytes | BinaryIO,
    content_type: str = "application/json",
) -> Outcome:
    """Write one object; PUT is idempotent, so a retried delivery overwrites, never duplicates.
    A file ``body`` is streamed from where it is (read again from its start on a retry)."""
    try:
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    except ClientError as exc:
        return classify(exc)
    except ParamValidationError as exc:
        return Outcome("refused", f"S3 rejected the request: {exc}")
    except BotoCoreError as exc:
        return Outcome("retry", f"S3 unreachable: {type(exc).__name__}")
    return DELIVERED


def classify(exc: ClientError) -> Outcome:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "unknown"))
    message = str(error.get("Message", "")).split("\n")[0][:200]
    detail = f"S3 {code}: {message}" if message else f"S3 {code}"
    return Outcome("refused" if code in REFUSING_CODES else "retry", detail)


def presigned_get(client: S3Client, bucket: str, key: str, expires_s: int) -> str:
    """A URL anyone can GET for ``expires_s`` seconds; computed locally, no request is made."""
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s
    )


def presigned_put(client: S3Client, bucket: str, key: str, expires_s: int) -> str:
    """A URL anyone can PUT one object to for ``expires_s`` seconds (no credentials needed)."""
    return client.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s
    )
