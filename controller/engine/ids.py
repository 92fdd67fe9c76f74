"""Identifiers. Scheduled JobRun IDs and Run IDs are derived, never random.

A scheduled JobRun's ID is a hash of (job, tick), so a controller that crashes after creating a
JobRun but before recording it creates the *same* JobRun again, never a second one. A Run's ID is
a hash of (JobRun, position), so re-creating Runs after a crash reproduces their IDs too. Manual
JobRuns are the only random IDs; the randomness is injected so tests can fix it.
"""

from __future__ import annotations

import hashlib
import secrets

_ID_LENGTH = 20


def _digest(*parts: object) -> str:
    text = "\x00".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:_ID_LENGTH]


def scheduled_job_run_id(job_id: str, tick_ms: int) -> str:
    return f"jr_{_digest(job_id, tick_ms)}"


def run_id(job_run_id: str, seq: int) -> str:
    return f"ru_{_digest(job_run_id, seq)}"


def random_job_run_id() -> str:
    return f"jr_{secrets.token_hex(_ID_LENGTH // 2)}"
