"""Prometheus metrics of a controller, in a registry of its own (no process-global state).

Counters are fed as things happen (``observe_event`` for attempt events, ``observe_changes`` for
each saved pass); gauges are read from the engine, the delivery queue and the runtime's health
checks when scraped, so they can never drift from the state they describe. The chart's alerts
and dashboard (``charts/jobctl/files/``) query exactly these names; a test scrapes a real
controller to keep it so.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..engine import (
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptFailed,
    AttemptResult,
    AttemptStarted,
    Changes,
    direct_kind,
)
from ..runtime import RuntimeQuery
from ..vocabulary import FINAL_RUN, JOB_RUN_STATUSES

DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
ENDED_REMEMBERED = 10_000
"""JobRuns already counted as finished (a later pass may show an ended JobRun again)."""


@dataclass(frozen=True)
class StateSources:
    """Where the scraped gauges come from; each is read at scrape time."""

    deliveries: Callable[[], Tally[tuple[str, str]]]
    """(kind, outcome) -> delivery attempts so far."""
    checks: Callable[[], dict[str, bool]]
    """Health checks of the runtime by name (``engine``, ``watches``): True while healthy."""
    invalid_definitions: Callable[[], int]
    """Job and AuthSession definitions that cannot be used (each keeps its last valid version)."""


class _StateCollector(Collector):
    def __init__(self, query: RuntimeQuery, sources: StateSources) -> None:
        self.query = query
        self.sources = sources

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self._job_runs()
        yield from self._deliveries()
        yield from self._health()

    def _job_runs(self) -> Iterator[GaugeMetricFamily]:
        by_status: Tally[str] = Tally(j.status for j in self.query.job_runs())
        job_runs = GaugeMetricFamily(
            "jobctl_job_runs", "JobRuns the controller holds, by status", labels=["status"]
        )
        for status in JOB_RUN_STATUSES:
            job_runs.add_metric([status], by_status[status])
        yield job_runs
        active = self.query.active_job_runs()
        yield GaugeMetricFamily(
            "jobctl_runs_pending",
            "Runs waiting for a worker (queue depth)",
            value=sum(j.pending_count for j in active),
        )
        yield GaugeMetricFamily(
            "jobctl_attempts_running",
            "Attempts running now",
            value=sum(len(j.running) for j in active),
        )
        yield GaugeMetricFamily(
            "jobctl_workers_max",
            "Attempts the controller runs at once at most (its worker capacity)",
            value=self.query.max_workers,
        )
        stalled = GaugeMetricFamily(
            "jobctl_job_run_seconds_since_progress",
            "Per Job, seconds since its running (not paused) JobRun last finished a Run or "
            "changed status",
            labels=["job"],
        )
        now = self.query.clock()
        longest: dict[str, float] = {}
        for job_run in active:
            if job_run.status != "PAUSED":
                label, seconds = job_label(job_run.job_id), (now - job_run.updated_at) / 1000
                longest[label] = max(longest.get(label, 0.0), seconds)
        for label, seconds in sorted(longest.items()):
            stalled.add_metric([label], seconds)
        yield stalled

    def _deliveries(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield GaugeMetricFamily(
            "jobctl_deliveries_queued",
            "Deliveries waiting to be sent",
            value=self.query.deliveries_outstanding(),
        )
        oldest = self.query.oldest_delivery_outstanding()
        age = 0.0 if oldest is None else max(0, self.query.clock() - oldest) / 1000
        yield GaugeMetricFamily(
            "jobctl_deliveries_oldest_queued_seconds",
            "Age of the oldest delivery still waiting to be sent (0: none is)",
            value=age,
        )
        sent = CounterMetricFamily(
            "jobctl_deliveries",
            "Delivery attempts (sink, notification, results) by outcome",
            labels=["kind", "outcome"],
        )
        for (kind, outcome), count in sorted(self.sources.deliveries().items()):
            sent.add_metric([kind, outcome], count)
        yield sent

    def _health(self) -> Iterator[GaugeMetricFamily]:
        healthy = GaugeMetricFamily(
            "jobctl_healthy",
            "1 while a health check of the controller passes (engine loop, watch streams)",
            labels=["check"],
        )
        for check, passing in sorted(self.sources.checks().items()):
            healthy.add_metric([check], 1 if passing else 0)
        yield healthy
        yield GaugeMetricFamily(
            "jobctl_invalid_definitions",
            "Job and AuthSession definitions that cannot be used (a file or resource with an "
            "error); each keeps running its last valid version",
            value=self.sources.invalid_definitions(),
        )


class ControllerMetrics:
    def __init__(self, query: RuntimeQuery, sources: StateSources) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "jobctl_runs", "Runs that ended, by status", ["status"], registry=self.registry
        )
        self.attempts = Counter(
            "jobctl_attempts",
            "Attempts that ended, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "jobctl_attempt_duration_seconds",
            "Attempt duration",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.job_runs = Counter(
            "jobctl_job_runs_finished",
            "JobRuns that ended, by Job and final status",
            ["job", "status"],
            registry=self.registry,
        )
        self.registry.register(_StateCollector(query, sources))
        self._started: dict[str, int] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()

    def observe_event(self, event: AttemptEvent, now: int) -> None:
        if isinstance(event, AttemptStarted):
            self._started[event.attempt_id] = now
            return
        outcome = {
            AttemptResult: "succeeded",
            AttemptFailed: "failed",
            AttemptExited: "exited",
            AttemptAuthFailed: "auth-failed",
        }.get(type(event))
        started = self._started.pop(event.attempt_id, None)
        if outcome is None or started is None:
            return  # not an ending, or an attempt that ended already (late exit events)
        if isinstance(event, AttemptFailed):
            outcome = f"failed-{event.error.get('category', 'unknown')}"
        self.attempts.labels(outcome).inc()
        self.duration.observe(max(0, now - started) / 1000)

    def observe_changes(self, changes: Changes) -> None:
        for run in [*changes.new_runs, *changes.runs]:
            if run.status in FINAL_RUN:
                self.runs.labels(run.status).inc()
        for job_run in changes.job_runs:
            if job_run.active or job_run.id in self._ended:
                continue
            self._ended[job_run.id] = None
            if len(self._ended) > ENDED_REMEMBERED:
                self._ended.popitem(last=False)
            self.job_runs.labels(job_label(job_run.job_id), job_run.status).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def job_label(job_id: str) -> str:
    """The ``job`` label: the Job's ID; for the one-off JobRuns of the Run and AuthSessions
    APIs their kind in parentheses (``(run)``, ``(validate)``), never one series per Run."""
    kind = direct_kind(job_id)
    return job_id if kind is None else f"({kind})"
