"""Identifiers. Scheduled JobRun IDs and Run IDs are derived, never random.

A scheduled JobRun's ID is a hash of (job, tick), so a controller that crashes after creating a
JobRun but before recording it creates the *same* JobRun again, never a second one. A Run's ID is
a hash of its JobRun then its position in hex, so re-creating Runs after a crash reproduces their
IDs too, and a JobRun's Run IDs sort in position order: the store's indexes on Run IDs (the
Runs', the attempts') grow at one end, a page or two written per pass instead of one per Run of
a million. Manual JobRuns are the only random IDs; the randomness is injected so tests can fix
it.

A direct JobRun (one Run of the REST API's Run API, or an AuthSession operation) belongs to a
one-off Job named ``<kind>.<JobRun ID>``: a Job ID is a DNS label, so the dot keeps these apart
from every Job a person can define.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from typing import cast, get_args

from ..vocabulary import DirectKind

_ID_LENGTH = 20


def _digest(*parts: object) -> str:
    text = "\x00".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:_ID_LENGTH]


def scheduled_job_run_id(job_id: str, tick_ms: int) -> str:
    return f"jr_{_digest(job_id, tick_ms)}"


def run_id(job_run_id: str, seq: int) -> str:
    """23 characters, as before positions were in it (a position past 8 hex digits, 4 billion
    Runs, makes it longer)."""
    return f"{_run_prefix(job_run_id)}{seq:08x}"


@functools.lru_cache(maxsize=64)
def _run_prefix(job_run_id: str) -> str:
    """Made once per JobRun, not once per Run: a fan-out names a million Runs of one."""
    return f"ru_{_digest(job_run_id)[:12]}"


def random_job_run_id() -> str:
    return f"jr_{secrets.token_hex(_ID_LENGTH // 2)}"


def direct_job_id(kind: DirectKind, job_run_id: str) -> str:
    return f"{kind}.{job_run_id}"


def direct_kind(job_id: str) -> DirectKind | None:
    """The kind of a direct JobRun's Job; None for a Job a person defined."""
    kind = job_id.partition(".")[0]
    return cast(DirectKind, kind) if "." in job_id and kind in get_args(DirectKind) else None
