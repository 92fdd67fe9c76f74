"""What people ask of Jobs through resources besides their specs: a rerun (a JobRun resource's
``spec.rerunOf``) and a backfill (a Job resource's ``jobctl.intuned.io/backfill`` annotation)."""

from __future__ import annotations

from typing import Any

from ..engine import EngineError, JobRun, NotFoundError
from ..runtime import Runtime
from ..spec.kube import parse_interval
from ..vocabulary import BACKFILL_ANNOTATION
from .status import kube_job_run_name


def rerun_requested(
    runtime: Runtime, job_name: str, identifier: str, rerun: dict[str, Any]
) -> JobRun:
    """The JobRun ``identifier`` reruns Runs of an earlier JobRun of the same Job (named by its
    resource name or its ID); one that cannot is recorded CANCELED, saying why."""
    asked = str(rerun.get("jobRun", ""))
    origin = _job_run_id_of(runtime, asked)
    try:
        found = None if origin is None else runtime.query.job_run(origin)
        if origin is None or found is None or found.job_id != job_name:
            raise NotFoundError(f"no JobRun {asked!r} of job {job_name!r}")
        runs = rerun.get("runs", "failed")
        return runtime.rerun(origin, runs, new_job_run_id=identifier)
    except EngineError as exc:
        return runtime.refuse(job_name, identifier, f"spec.rerunOf: {exc}")


def _job_run_id_of(runtime: Runtime, name_or_id: str) -> str | None:
    if runtime.query.job_run(name_or_id) is not None:
        return name_or_id
    found = (r.id for r in runtime.query.job_runs() if kube_job_run_name(r.id) == name_or_id)
    return next(found, None)


def backfill_requested(runtime: Runtime, name: str, body: dict[str, Any]) -> str | None:
    """Queue the ticks the Job's backfill annotation (``FROM/TO``) asks for; what went wrong,
    if anything. Seen again (a restart, another change), it queues nothing twice: ticks whose
    JobRun exists or is queued are skipped."""
    asked = (body["metadata"].get("annotations") or {}).get(BACKFILL_ANNOTATION)
    if not asked:
        return None
    try:
        start, end = parse_interval(asked)
        ticks = runtime.backfill(name, start, end, dry_run=False)
    except (ValueError, EngineError) as exc:
        problem = f"{BACKFILL_ANNOTATION} {asked!r} not carried out: {exc}"
        runtime.say(f"Job {name}: {problem}")
        return problem
    queued = sum(1 for t in ticks if t.state == "queued")
    if queued:
        runtime.say(f"Job {name}: backfill queued {queued} of {len(ticks)} tick(s)")
    return None
