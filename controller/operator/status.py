"""Job and JobRun resource statuses, projected from engine records. Pure: records and ``now`` in.

Counters only (no per-Run data), so a 10,000-item JobRun's status is a few hundred bytes.
Conditions keep their ``lastTransitionTime`` while their status does not change.

Conditions follow kstatus (what Flux, ``kubectl wait`` and friends compute): ``Ready`` says the
resource reached what it was asked for, the abnormal-true ``Reconciling`` that work is under way
(a JobRun that has not ended) and ``Stalled`` that it cannot get there (an invalid spec; a JobRun
that ended FAILURE, TERMINATED or CANCELED). A JobRun that COMPLETED with failed Runs is Ready:
failed items are results, not a broken resource. ``observedGeneration`` is always written, so a
generation the operator has not seen yet reads as in progress (the CRDs default it to 0 until the
first status write: a resource just created is in progress, not current).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..engine import Job, JobRun, iso_ms
from ..launch.kube import kube_name
from ..spec.kube import (
    AuthSessionStatus,
    Condition,
    JobRunReference,
    JobRunResourceStatus,
    JobRunSummary,
    JobSourceInfo,
    JobStatus,
    RerunReference,
    ResultsReference,
)
from ..vocabulary import COMMIT_ANNOTATION, PATH_ANNOTATION, SOURCE_LABEL, JobRunStatus


def condition(
    previous: list[dict[str, Any]],
    kind: str,
    status: bool,
    *,
    reason: str,
    message: str = "",
    now: int,
    generation: int | None,
) -> Condition:
    value = "True" if status else "False"
    before = next((c for c in previous if c.get("type") == kind), None)
    since = before["lastTransitionTime"] if before and before.get("status") == value else None
    return Condition(
        type=kind,
        status=value,
        reason=reason,
        message=message,
        lastTransitionTime=since or iso_ms(now) or "",
        observedGeneration=generation,
    )


class _Standing(NamedTuple):
    ready: bool
    reconciling: bool
    stalled: bool
    reason: str


_STANDING: dict[JobRunStatus, _Standing] = {
    "PENDING": _Standing(False, True, False, "Running"),
    "PAUSING": _Standing(False, True, False, "Pausing"),
    "PAUSED": _Standing(False, True, False, "Paused"),
    "RESUMING": _Standing(False, True, False, "Resuming"),
    "COMPLETED": _Standing(True, False, False, "Completed"),
    "FAILURE": _Standing(False, False, True, "Failure"),
    "TERMINATED": _Standing(False, False, True, "Terminated"),
    "CANCELED": _Standing(False, False, True, "Canceled"),
}


def job_run_conditions(
    status: JobRunStatus, message: str, *, since: int, generation: int | None
) -> list[Condition]:
    """``Ready``, ``Reconciling`` and ``Stalled`` of a JobRun in ``status``. They change only
    when the JobRun starts and when it ends, so ``since`` (its creation or end) is their
    transition time, and every write of the same state writes the same conditions."""
    standing = _STANDING[status]

    def make(kind: str, value: bool) -> Condition:
        text = message if value else ""
        return condition(
            [], kind, value, reason=standing.reason, message=text, now=since, generation=generation
        )

    return [
        make("Ready", standing.ready),
        make("Reconciling", standing.reconciling),
        make("Stalled", standing.stalled),
    ]


def _job_run_message(job_run: JobRun) -> str:
    why = job_run.error or job_run.reason
    if why:
        return f"{job_run.status}: {why['message']} ({job_run.summary})"
    return f"{job_run.status}: {job_run.summary}"


def job_run_status(
    job_run: JobRun,
    results: dict[str, Any] | None,
    *,
    generation: int | None = None,
    waiting: str | None = None,
) -> dict[str, Any]:
    """``generation``: the resource's ``metadata.generation`` this status answers;
    ``waiting``: why its pending Runs wait (``Waiting.short``)."""
    since = job_run.created_at if job_run.end_time is None else job_run.end_time
    conditions = job_run_conditions(
        job_run.status, _job_run_message(job_run), since=since, generation=generation
    )
    status = JobRunResourceStatus(
        observedGeneration=generation,
        conditions=conditions,
        status=job_run.status,
        type=job_run.type,
        startTime=iso_ms(job_run.start_time),
        endTime=iso_ms(job_run.end_time),
        payloads=job_run.payloads,
        successfulRuns=job_run.successful_runs,
        failedRuns=job_run.failed_runs,
        pendingRuns=job_run.pending_count,
        runningRuns=len(job_run.running),
        reason=job_run.reason,
        error=None
        if job_run.error is None
        else {k: job_run.error[k] for k in ("code", "category", "message")},
        results=None
        if results is None
        else ResultsReference(key=results["key"], size=results.get("size")),
        waitingFor=waiting,
        rerunOf=None
        if job_run.rerun_of is None
        else RerunReference(
            jobRun=job_run.rerun_of["jobRunId"], runCount=len(job_run.rerun_of["runIds"])
        ),
    )
    return status.model_dump(mode="json", exclude_none=True)


def job_status(
    job: Job,
    runs: list[JobRun],
    *,
    generation: int | None,
    previous: list[dict[str, Any]],
    source: JobSourceInfo | None,
    problem: str | None = None,
    now: int,
) -> dict[str, Any]:
    """``runs``: this Job's JobRuns, any order. ``problem``: why its file or spec cannot be
    used (it runs its last valid version meanwhile)."""
    ordered = sorted(runs, key=lambda r: (r.created_at, r.id))
    active = [r for r in ordered if r.active]
    last = ordered[-1] if ordered else None

    paused = job.paused
    conditions = [
        *validity(previous, problem, valid="the Job is valid", now=now, generation=generation),
        condition(
            previous,
            "Suspended",
            paused,
            reason="Suspended" if paused else "Active",
            message=(job.pause_note or "no new JobRuns until resumed") if paused else "",
            now=now,
            generation=generation,
        ),
    ]
    status = JobStatus(
        observedGeneration=generation,
        conditions=conditions,
        lastScheduleTime=iso_ms(job.last_tick),
        nextScheduleTime=None if job.paused else iso_ms(job.next_due),
        active=[JobRunReference(name=kube_job_run_name(r.id)) for r in active],
        lastJobRun=None
        if last is None
        else JobRunSummary(
            name=kube_job_run_name(last.id),
            status=last.status,
            startTime=iso_ms(last.start_time),
            endTime=iso_ms(last.end_time),
            successfulRuns=last.successful_runs,
            failedRuns=last.failed_runs,
        ),
        source=source,
    )
    return status.model_dump(mode="json", exclude_none=True)


def job_source(metadata: dict[str, Any]) -> JobSourceInfo:
    """Where a Job resource is defined: ``code`` (a job file synced from git, labelled and
    annotated by whoever applied it) or ``api`` (anything else: kubectl, the REST API)."""
    if (metadata.get("labels") or {}).get(SOURCE_LABEL) != "code":
        return JobSourceInfo(kind="api")
    annotations = metadata.get("annotations") or {}
    return JobSourceInfo(
        kind="code",
        path=annotations.get(PATH_ANNOTATION),
        commit=annotations.get(COMMIT_ANNOTATION),
    )


def validity(
    previous: list[dict[str, Any]],
    problem: str | None,
    *,
    valid: str,
    now: int,
    generation: int | None,
) -> list[Condition]:
    """``Ready``, ``SpecError`` and kstatus' ``Stalled``: ready (saying ``valid``), or not,
    because of ``problem`` (stalled: nothing changes until the spec or file is fixed)."""

    def make(kind: str, value: bool, reason: str, message: str = "") -> Condition:
        return condition(
            previous, kind, value, reason=reason, message=message, now=now, generation=generation
        )

    if problem is None:
        return [
            make("Ready", True, "Valid", valid),
            make("SpecError", False, "Valid"),
            make("Stalled", False, "Valid"),
        ]
    return [
        make("Ready", False, "SpecError", problem),
        make("SpecError", True, "Invalid", problem),
        make("Stalled", True, "SpecError", problem),
    ]


def validity_status(
    problem: str | None,
    *,
    valid: str,
    generation: int | None,
    previous: list[dict[str, Any]],
    now: int,
) -> dict[str, Any]:
    """The status of a resource that is only valid or not (an AuthSession; a Job whose spec
    cannot be used, while its last good version keeps running)."""
    conditions = validity(previous, problem, valid=valid, now=now, generation=generation)
    return AuthSessionStatus(observedGeneration=generation, conditions=conditions).model_dump(
        mode="json", exclude_none=True
    )


kube_job_run_name = kube_name
"""JobRun engine IDs as resource names (the launcher's mapping, so Pod labels match)."""
