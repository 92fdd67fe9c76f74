"""Which Runs a bulk action acts on, read from the store. A rerun runs the chosen Runs of an
earlier JobRun as payload items for the Job's configuration of now (their own
``requestTimeout`` kept; their retry is the Job's, as the Runs' own retry override is not
stored); a bulk terminate ends the unfinished Runs that match a filter."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from ..engine import EngineError, NotFoundError, Rerun
from ..spec import PayloadItem
from ..store import RunFilter, RunQueries
from ..vocabulary import UNFINISHED_RUN

RunChoice = Literal["failed"] | list[str] | RunFilter
"""Which Runs of a JobRun to rerun: every Run that ended FAILED, these Run IDs, or every Run
that matches a filter (the dashboard's and the Runs list's)."""


def rerun_of(job_run_id: str, runs: RunChoice, queries: RunQueries) -> Rerun:
    chosen: list[str] | RunFilter | None
    if isinstance(runs, RunFilter):
        chosen = runs
    else:
        chosen = None if runs == "failed" else list(dict.fromkeys(runs))
    records = queries.items(job_run_id, chosen)
    if isinstance(chosen, list) and len(records) < len(chosen):
        missing = sorted(set(chosen) - {r["id"] for r in records})
        raise NotFoundError(f"no Run {', '.join(missing[:5])} in JobRun {job_run_id}")
    if not records:
        what = "failed Runs" if chosen is None else "Runs that match the filter"
        raise EngineError(f"JobRun {job_run_id} has no {what} to rerun")
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


def unfinished_matching(job_run_id: str, where: RunFilter, queries: RunQueries) -> list[str]:
    """The IDs of the JobRun's PENDING and RUNNING Runs that match ``where`` (none when it asks
    for another status), in position order per status."""
    return [
        record["id"]
        for status in UNFINISHED_RUN
        if where.status in (None, status)
        for record in queries.items(job_run_id, replace(where, status=status))
    ]
