"""Prometheus metrics of a controller, in a registry of its own (no process-global state).

Counters are fed as things happen (``observe_event`` for attempt events, ``observe_changes`` for
each saved pass); gauges are read from the engine and the delivery queue when scraped, so they
can never drift from the state they describe.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..engine import (
    FINAL_RUN,
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptFailed,
    AttemptResult,
    AttemptStarted,
    Changes,
    Engine,
)

JOB_RUN_STATUSES = ("PENDING", "PAUSING", "PAUSED", "RESUMING", "COMPLETED", "FAILURE",
                    "TERMINATED", "CANCELED")  # fmt: skip
DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class _StateCollector(Collector):
    def __init__(
        self,
        engine: Engine,
        deliveries: Callable[[], Tally[tuple[str, str]]],
        queued: Callable[[], int],
    ) -> None:
        self.engine = engine
        self.deliveries = deliveries
        self.queued = queued

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        by_status: Tally[str] = Tally(j.status for j in self.engine.job_runs.values())
        job_runs = GaugeMetricFamily(
            "jobctl_job_runs", "JobRuns the controller holds, by status", labels=["status"]
        )
        for status in JOB_RUN_STATUSES:
            job_runs.add_metric([status], by_status[status])
        yield job_runs
        active = [j for j in self.engine.job_runs.values() if j.active]
        yield GaugeMetricFamily("jobctl_runs_pending", "Runs waiting for a worker (queue depth)",
                                value=sum(len(j.pending) for j in active))  # fmt: skip
        yield GaugeMetricFamily("jobctl_attempts_running", "Attempts running now",
                                value=sum(len(j.running) for j in active))  # fmt: skip
        yield GaugeMetricFamily("jobctl_deliveries_queued", "Deliveries waiting to be sent",
                                value=self.queued())  # fmt: skip
        sent = CounterMetricFamily(
            "jobctl_deliveries",
            "Delivery attempts (sink, notification, results) by outcome",
            labels=["kind", "outcome"],
        )
        for (kind, outcome), count in sorted(self.deliveries().items()):
            sent.add_metric([kind, outcome], count)
        yield sent


class ControllerMetrics:
    def __init__(
        self,
        engine: Engine,
        *,
        deliveries: Callable[[], Tally[tuple[str, str]]],
        queued: Callable[[], int],
    ) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter("jobctl_runs", "Runs that ended, by status", ["status"],
                            registry=self.registry)  # fmt: skip
        self.attempts = Counter("jobctl_attempts", "Attempts that ended, by outcome", ["outcome"],
                                registry=self.registry)  # fmt: skip
        self.duration = Histogram("jobctl_attempt_duration_seconds", "Attempt duration",
                                  buckets=DURATION_BUCKETS, registry=self.registry)  # fmt: skip
        self.registry.register(_StateCollector(engine, deliveries, queued))
        self._started: dict[str, int] = {}

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

    def render(self) -> bytes:
        return generate_latest(self.registry)
