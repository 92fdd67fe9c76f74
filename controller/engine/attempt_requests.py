"""What an attempt is started with: the settings every attempt of a JobRun shares (worked out
once a pass, not once an attempt) and the Run's own. Pure: records in, a request out."""

from __future__ import annotations

from typing import Any

from ..spec.job import CONFIGURATION_EXTENSIONS
from .launcher import AttemptRequest
from .records import JobRun, Run


def shared_request(job_run: JobRun, proxy: str | None) -> dict[str, Any]:
    """``AttemptRequest``'s fields that are the JobRun's; ``proxy`` comes from the Job's current
    definition (secrets are never snapshotted)."""
    auth = job_run.snapshot.get("auth_session") or {}
    configuration = {**CONFIGURATION_EXTENSIONS, **job_run.snapshot["configuration"]}
    return {
        "job_id": job_run.job_id,
        "job_run_id": job_run.id,
        "auth_session": job_run.auth_session,
        "auth_check_attempts": auth.get("checkAttempts", 3),
        "auth_create_attempts": auth.get("createAttempts", 3),
        "auth_recreate": auth.get("autoRecreate") is not False,
        "proxy": proxy,
        "isolation": configuration["isolation"],
        "pages_per_context": configuration["pagesPerContext"],
        "trace": configuration["trace"],
    }


def attempt_request(run: Run, timeout_ms: int, shared: dict[str, Any]) -> AttemptRequest:
    """The request of ``run``'s current launch, numbered as its record will be (``number``):
    which of the Run's attempts it is, from 1; a start that used no attempt (cancelled by a
    pause, interrupted by a restart) leaves a record of that number and the next start has it
    again."""
    return AttemptRequest(
        attempt_id=run.attempt_id,
        run_id=run.id,
        attempt_number=run.attempts + 1,
        api_name=run.api_name,
        parameters=run.parameters,
        timeout_s=timeout_ms // 1000,
        **shared,
    )
