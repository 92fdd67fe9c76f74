"""What a rerun runs: the chosen Runs of an earlier JobRun, read from the store, as payload
items for the Job's configuration of now (their own ``requestTimeout`` kept; their retry is the
Job's, as the Runs' own retry override is not stored)."""

from __future__ import annotations

from typing import Literal

from ..engine import EngineError, NotFoundError, Rerun
from ..spec import PayloadItem
from ..store import RunQueries

RunChoice = Literal["failed"] | list[str]
"""Which Runs of a JobRun to rerun: every Run that ended FAILED, or these Run IDs."""


def rerun_of(job_run_id: str, runs: RunChoice, queries: RunQueries) -> Rerun:
    chosen = None if runs == "failed" else list(dict.fromkeys(runs))
    records = queries.items(job_run_id, chosen)
    if chosen is not None and len(records) < len(chosen):
        missing = sorted(set(chosen) - {r["id"] for r in records})
        raise NotFoundError(f"no Run {', '.join(missing[:5])} in JobRun {job_run_id}")
    if not records:
        raise EngineError(f"JobRun {job_run_id} has no failed Runs to rerun")
    items = [
        PayloadItem(
            apiName=r["api_name"],
            parameters=r["parameters"],
            requestTimeout=None
            if r["request_timeout_ms"] is None
            else r["request_timeout_ms"] // 1000,
        )
        for r in records
    ]
    return Rerun(job_run_id, [r["id"] for r in records], items)
