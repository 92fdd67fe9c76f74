"""Attempts' artifacts (trace and log), kept by the controller so that they outlive the worker.

Layout: ``ROOT/<jobRunId>/<attemptId>/<name>`` on the controller's disk (``STATE/attempts``),
or ``<prefix>artifacts/<jobRunId>/<attemptId>/<name>`` in the results bucket when one is
configured. Workers on this machine write in place; a worker that cannot (a Pod), or any worker
when there is a bucket, uploads each file before it reports its attempt's outcome: to the
operator's callback, or straight to the bucket with a presigned PUT URL (no bucket credentials
ever reach a worker). So an artifact is stored before its attempt counts as ended, and before
its Pod is deleted.

Links point at the controller (``/artifacts/...`` on the API listener, authenticated like the
API), which serves the file or redirects to a fresh presigned GET: a link never expires and never
names a path on another machine. With no API listener, links are ``file://`` URLs of this
machine's copies. Artifacts are removed with their JobRun; ``sweep`` removes those of JobRuns the
store no longer has (a crash between a prune and its removal).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from ..vocabulary import ARTIFACT_NAMES, ArtifactName
from .live_logs import LiveLogs
from .public_url import PublicUrl
from .s3 import S3Clients, S3Target, presigned_get, presigned_put

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
"""JobRun and attempt IDs as they may appear in a path (no separator, no leading dot)."""
COPY_CHUNK = 1 << 20
log = logging.getLogger(__name__)


class ArtifactPathError(ValueError):
    """Not an artifact this controller could have: an unknown name or an ID unfit for a path."""


def checked(job_run_id: str, attempt_id: str, name: str) -> ArtifactName:
    if not (SAFE_ID.fullmatch(job_run_id) and SAFE_ID.fullmatch(attempt_id)):
        raise ArtifactPathError(f"{job_run_id}/{attempt_id}: not a JobRun and attempt ID")
    for known in ARTIFACT_NAMES:
        if name == known:
            return known
    raise ArtifactPathError(f"{name!r}: artifacts are named {', '.join(ARTIFACT_NAMES)}")


class AttemptArtifacts:
    def __init__(
        self,
        root: Path,
        *,
        bucket: S3Target | None = None,
        prefix: str = "",
        clients: S3Clients | None = None,
        expiry_s: int = 3_600,
        public: PublicUrl | None = None,
        live: LiveLogs | None = None,
    ) -> None:
        self.root = root
        self.live = live or LiveLogs()
        """The logs of attempts in flight, until their ``log.txt`` is kept."""
        self.bucket, self.prefix, self.expiry_s = bucket, prefix, expiry_s
        self.clients = clients or S3Clients()
        self.public = public or PublicUrl()

    def path(self, job_run_id: str, attempt_id: str, name: ArtifactName) -> Path:
        return self.root / job_run_id / attempt_id / name

    def _key(self, job_run_id: str, attempt_id: str, name: str = "") -> str:
        return f"{self.prefix}artifacts/{job_run_id}/{attempt_id}/{name}"

    def link(self, job_run_id: str, attempt_id: str, name: ArtifactName) -> str:
        path = f"/artifacts/{job_run_id}/{attempt_id}/{name}"
        return self.public.link(path, self.path(job_run_id, attempt_id, name))

    def upload_url(self, job_run_id: str, attempt_id: str, name: ArtifactName) -> str | None:
        """Where a worker puts the file (a presigned PUT); None: no bucket, keep it here."""
        if self.bucket is None:
            return None
        client = self.clients.get(self.bucket)
        key = self._key(job_run_id, attempt_id, name)
        return presigned_put(client, self.bucket.bucket, key, self.expiry_s)

    def write(
        self, job_run_id: str, attempt_id: str, name: ArtifactName, body: BinaryIO, length: int
    ) -> None:
        """An upload from a worker, written whole or not at all (a retried upload replaces)."""
        target = self.path(job_run_id, attempt_id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                left = length
                while left > 0:
                    chunk = body.read(min(COPY_CHUNK, left))
                    if not chunk:
                        raise EOFError(f"upload of {name} ended {left} bytes short")
                    out.write(chunk)
                    left -= len(chunk)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def live_log(self, attempt_id: str, text: str) -> None:
        self.live.append(attempt_id, text)

    def attempt_ended(self, attempt_id: str) -> None:
        self.live.ended(attempt_id)

    def locate(self, job_run_id: str, attempt_id: str, name: str) -> Path | str | None:
        """This machine's copy, else a presigned GET of the bucket's (None: neither).
        Raises ``ArtifactPathError`` for a path no artifact can have."""
        known = checked(job_run_id, attempt_id, name)
        local = self.path(job_run_id, attempt_id, known)
        if local.is_file():
            return local
        if self.bucket is None:
            return None
        client = self.clients.get(self.bucket)
        return presigned_get(
            client, self.bucket.bucket, self._key(job_run_id, attempt_id, name), 300
        )

    def remove(self, job_run_id: str) -> None:
        """Blocking (a bucket's objects are listed and deleted): call it off the loop."""
        if SAFE_ID.fullmatch(job_run_id):
            shutil.rmtree(self.root / job_run_id, ignore_errors=True)
        if self.bucket is None:
            return
        client = self.clients.get(self.bucket)
        prefix = f"{self.prefix}artifacts/{job_run_id}/"
        try:
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket.bucket, Prefix=prefix
            )
            for page in pages:
                if page.get("Contents"):
                    objects = [{"Key": item["Key"]} for item in page["Contents"]]
                    client.delete_objects(
                        Bucket=self.bucket.bucket,
                        Delete={"Objects": cast("list[ObjectIdentifierTypeDef]", objects)},
                    )
        except Exception as exc:  # kept: the bucket's lifecycle rules may expire them
            log.warning("artifacts of %s not removed from the bucket: %s", job_run_id, exc)

    def sweep(self, kept: set[str]) -> None:
        """Remove this machine's artifacts of JobRuns not in ``kept`` (at start-up)."""
        if self.root.is_dir():
            for folder in self.root.iterdir():
                if folder.is_dir() and folder.name.startswith("jr_") and folder.name not in kept:
                    shutil.rmtree(folder, ignore_errors=True)
