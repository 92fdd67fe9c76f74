"""What must be delivered, decided in the same pass as the state change that causes it.

A delivery is planned by the pass that ends a Run (sink), ends a JobRun (results file and
notifications) or pauses one (notifications), and is saved in that pass's transaction. So a
result that is durable always has its delivery durable too, and a pass that is lost to a crash
loses its deliveries with it (they are planned again when the pass is redone).

Planned deliveries hold no secrets: the sink and notification targets (URLs, headers,
credentials) are read from the Job's *current* definition when they are sent. The JobRun's
snapshot decides only *whether* a result is sent (``skipOnFail``, ``apisToSend``).

IDs are stable (a hash of what is delivered), so a receiver can drop duplicates by ``webhook-id``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from .records import JobRun, Run
from .results import Identity, ResultRecord

DeliveryKind = Literal["sink", "notification", "results"]
NOTIFIED_STATUSES = frozenset({"COMPLETED", "FAILURE", "TERMINATED", "PAUSED"})


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    """Stable message ID: the ``webhook-id`` header, and the queue's primary key."""
    kind: DeliveryKind
    job_id: str
    job_run_id: str
    created_at: int
    body: str = ""
    """sink: the results line; notification: the event without ``aggregatedResults`` (added
    when sent, since its signed URL expires); results: empty (the file is read when sent)."""
    target: int = 0
    """notification: index into the Job's ``notifications``."""
    run_id: str = ""


def _message_id(*parts: object) -> str:
    text = "\x00".join(str(p) for p in parts)
    return "msg_" + hashlib.sha256(text.encode()).hexdigest()[:24]


def sink_delivery(job_run: JobRun, run: Run, record: ResultRecord, now: int) -> Delivery | None:
    """The Run's results line for the sink, unless the snapshot's filters leave it out (made
    whole only then: an uploaded result's line is otherwise never copied)."""
    sink = job_run.snapshot.get("sink")
    if sink is None:
        return None
    if sink.get("skipOnFail") and run.status != "SUCCEEDED":
        return None
    wanted = sink.get("apisToSend")
    if wanted is not None and run.api_name not in wanted:
        return None
    return Delivery(
        id=_message_id("sink", run.id),
        kind="sink",
        job_id=job_run.job_id,
        job_run_id=job_run.id,
        created_at=now,
        body=record.line,
        run_id=run.id,
    )


def ending_deliveries(job_run: JobRun, identity: Identity, now: int) -> list[Delivery]:
    """A JobRun reached ``job_run.status``: store its results file when final, then notify."""
    planned = []
    if not job_run.active:
        planned.append(
            Delivery(
                id=_message_id("results", job_run.id),
                kind="results",
                job_id=job_run.job_id,
                job_run_id=job_run.id,
                created_at=now,
            )
        )
    if job_run.status not in NOTIFIED_STATUSES:
        return planned
    body = json.dumps(
        {
            "id": job_run.id,
            "projectId": identity.project_id,
            "workspaceId": identity.workspace_id,
            "jobId": job_run.job_id,
            "status": job_run.status,
            "summary": {
                "successfulRuns": job_run.successful_runs,
                "failedRuns": job_run.failed_runs,
                "error": job_run.error,
                "reason": job_run.reason,
            },
        },
        separators=(",", ":"),
    )
    for index, _target in enumerate(job_run.snapshot.get("notifications") or ()):
        planned.append(
            Delivery(
                id=_message_id("notification", job_run.id, job_run.status, now, index),
                kind="notification",
                job_id=job_run.job_id,
                job_run_id=job_run.id,
                created_at=now,
                body=body,
                target=index,
            )
        )
    return planned
