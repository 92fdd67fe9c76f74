"""Where a finished JobRun's JSONL results file is kept, and the link that hands it out.

The default keeps the file in the state folder and links to it as the API's ``/results/<jobRunId>``
(a ``file://`` URL when no API is served).
With a results bucket configured, the file is uploaded when the JobRun ends and the link is a
presigned GET URL that expires (``signed_url_expiration``). Either way the stored description
(location, bucket, key, size) is kept in the store, and links are made fresh when asked for.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..engine import iso_ms
from .outcome import Outcome
from .public_url import PublicUrl
from .s3 import S3Clients, S3Target, presigned_get, put_object

FORMAT = "jsonl"


@dataclass(frozen=True)
class ResultsLink:
    signed_url: str
    expires_at: int | None
    size: int
    key: str
    bucket: str | None

    def api_object(self) -> dict[str, Any]:
        """The ``results`` object of the Get Job Run API (snake_case)."""
        found: dict[str, Any] = {"signed_url": self.signed_url, "format": FORMAT}
        if self.expires_at is not None:
            found["signed_url_expiration"] = iso_ms(self.expires_at)
        return found | {"size": self.size, "key": self.key}

    def notification_object(self) -> dict[str, Any]:
        """The ``aggregatedResults`` object of a JobRun notification (camelCase)."""
        return {
            "signedUrl": self.signed_url,
            "signedUrlExpiration": iso_ms(self.expires_at),
            "size": self.size,
            "format": FORMAT,
            "key": self.key,
            "bucket": self.bucket,
        }


class ResultsStorage(Protocol):
    async def store(
        self, job_id: str, job_run_id: str, path: Path
    ) -> tuple[Outcome, dict[str, Any]]:
        """Keep the file; the dict describes where it is (saved, then given to ``link``)."""
        ...

    def link(self, stored: dict[str, Any], now: int) -> ResultsLink: ...


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


class LocalResultsStorage:
    def __init__(self, root: Path, public: PublicUrl | None = None) -> None:
        self.root = root
        self.public = public or PublicUrl()

    async def store(
        self, job_id: str, job_run_id: str, path: Path
    ) -> tuple[Outcome, dict[str, Any]]:
        key = path.relative_to(self.root).as_posix()
        return Outcome("delivered"), {"location": "local", "key": key, "size": _size(path)}

    def link(self, stored: dict[str, Any], now: int) -> ResultsLink:
        key = stored["key"]  # <jobId>/<jobRunId>.jsonl (``ResultsFiles``)
        url = self.public.link(f"/results/{Path(key).stem}", self.root / key)
        return ResultsLink(url, None, stored["size"], key, None)


class S3ResultsStorage:
    """Results files in a bucket under ``{prefix}job-runs/{jobId}/{jobRunId}/results.jsonl``."""

    def __init__(self, target: S3Target, prefix: str, clients: S3Clients, expiry_s: int) -> None:
        self.target = target
        self.prefix = prefix
        self.clients = clients
        self.expiry_s = expiry_s

    async def store(
        self, job_id: str, job_run_id: str, path: Path
    ) -> tuple[Outcome, dict[str, Any]]:
        key = f"{self.prefix}job-runs/{job_id}/{job_run_id}/results.jsonl"
        size = _size(path)  # the file is whole: its JobRun ended
        client = self.clients.get(self.target)
        with path.open("rb") if size else io.BytesIO() as body:  # streamed, never read whole
            outcome = await asyncio.to_thread(
                put_object, client, self.target.bucket, key, body, "application/x-ndjson"
            )
        stored = {"location": "s3", "bucket": self.target.bucket, "key": key, "size": size}
        return outcome, stored

    def link(self, stored: dict[str, Any], now: int) -> ResultsLink:
        client = self.clients.get(self.target)
        url = presigned_get(client, stored["bucket"], stored["key"], self.expiry_s)
        return ResultsLink(
            url, now + self.expiry_s * 1000, stored["size"], stored["key"], stored["bucket"]
        )
