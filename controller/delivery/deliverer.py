"""The deliverer: works through the delivery queue, at least once, across restarts.

It runs as one task in the controller's loop, sends up to ``max_in_flight`` deliveries at once
and records each outcome in its own small transaction *after* the attempt. A process killed
mid-send therefore finds the delivery still ``pending`` and sends it again: receivers see the
same ``webhook-id`` twice at worst, never a result missing.

Targets and credentials are read from the Job's current definition at send time (the queue
holds no secrets). What the receiver says decides what happens next:

- 2xx: delivered;
- 410: gone, and the Job sends nothing more to that URL until its definition changes;
- a refusal that retrying cannot fix (S3 credentials or bucket, a private address): the Job's
  deliveries of that kind are *held*, and for an S3 sink the active JobRun is paused with reason
  ``s3-sink-error``. Held deliveries are released by resuming the Job, by a changed definition
  or by a restart, so results wait instead of being dropped;
- anything else: retried with backoff (``Retry-After`` honoured) until the policy's horizon.
  Once the same target delivers again, the rest of its backlog is due at once rather than after
  each delivery's own backoff (which after a long outage may be many seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine import Delivery
from ..spec import JobDefinition, Redactor, WebhookNotification, WebhookSink
from ..store import DeliveryQueue, QueuedDelivery
from .outcome import Outcome
from .policy import RetryPolicy, next_attempt_at
from .results_storage import ResultsStorage
from .s3 import S3Clients, S3Target, put_object
from .targets import refused_target
from .webhook import WebhookSender

WAIT_FOR_RESULTS_MS = 1_000
DRAIN_S = 10.0
"""At shutdown, how long deliveries already being sent may take to finish and be recorded. A
send cut off is sent again after the restart (at least once); one left to finish is not, so a
graceful stop causes no duplicate. Kubernetes grants 30 s between SIGTERM and SIGKILL."""


@dataclass(frozen=True)
class DeliverySettings:
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    webhook_timeout_s: float = 15.0
    allow_private_targets: bool = False
    max_in_flight: int = 16


SinkRefused = Callable[[str, str, str], None]
"""(job_id, job_run_id, why): an S3 sink refused a result; the controller pauses the JobRun."""
ResultsStored = Callable[[str], None]
"""(job_run_id): the JobRun's results file was stored; its status can link it now."""


def _fingerprint(definition: JobDefinition) -> str:
    text = json.dumps(definition.canonical(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


class Deliverer:
    def __init__(
        self,
        queue: DeliveryQueue,
        settings: DeliverySettings,
        *,
        definitions: Callable[[str], JobDefinition | None],
        results_path: Callable[[str, str], Path],
        results_storage: ResultsStorage,
        redactor: Redactor,
        say: Callable[[str], None],
        on_sink_refused: SinkRefused,
        on_results_stored: ResultsStored,
        clock: Callable[[], int],
        rand: Callable[[], float] = random.random,
        s3_clients: S3Clients | None = None,
    ) -> None:
        self.queue = queue
        self.settings = settings
        self.definitions = definitions
        self.results_path = results_path
        self.results_storage = results_storage
        self.redactor = redactor
        self.say = say
        self.on_sink_refused = on_sink_refused
        self.on_results_stored = on_results_stored
        self.clock = clock
        self.rand = rand
        self.s3_clients = s3_clients or S3Clients()
        self.sender = WebhookSender(settings.webhook_timeout_s)
        self.counts: Counter[tuple[str, str]] = Counter()
        """(kind, outcome status) -> attempts so far, for metrics."""
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._held: set[tuple[str, str]] = set()
        self._failing: set[tuple[str, str, int]] = set()
        """Targets (job, kind, notification index) whose last answer was a retryable failure."""
        self._wake = asyncio.Event()

    # ------------------------------------------------------------------ control
    def poke(self) -> None:
        """New deliveries were saved (or released): look at the queue now."""
        self._wake.set()

    def release(self, job_id: str) -> None:
        """Held deliveries of this Job are due again (it was resumed or its definition changed)."""
        if self.queue.release_job(job_id, self.clock()):
            self.say(f"{job_id}: held deliveries released")
        self._held = {h for h in self._held if h[0] != job_id}
        self.poke()

    def idle(self, job_run_ids: Collection[str] | None = None) -> bool:
        """Nothing in flight and nothing pending (of these JobRuns, when given)."""
        return not self._in_flight and self.queue.outstanding(job_run_ids) == 0

    async def run(self) -> None:
        try:
            while True:
                self._start_due()
                timeout = None
                if len(self._in_flight) < self.settings.max_in_flight:
                    due = self.queue.next_due_after(self.clock())
                    timeout = None if due is None else max(0, due - self.clock()) / 1000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
        finally:
            # nothing new starts (this loop is over); what is under way may finish and record
            if self._in_flight:
                await asyncio.wait(list(self._in_flight.values()), timeout=DRAIN_S)
            for task in self._in_flight.values():
                task.cancel()
            for task in list(self._in_flight.values()):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.sender.close()

    def _start_due(self) -> None:
        free = self.settings.max_in_flight - len(self._in_flight)
        if free <= 0:
            return
        for queued in self.queue.due(self.clock(), free + len(self._in_flight)):
            if queued.delivery.id in self._in_flight:
                continue
            task = asyncio.create_task(self._deliver(queued))
            self._in_flight[queued.delivery.id] = task
            free -= 1
            if free == 0:
                break

    async def _deliver(self, queued: QueuedDelivery) -> None:
        try:
            try:
                outcome = await self._attempt(queued.delivery)
            except Exception as exc:  # an unexpected library error must not stop deliveries
                outcome = Outcome("retry", f"internal error: {type(exc).__name__}")
            self._record(queued, outcome)
        finally:
            self._in_flight.pop(queued.delivery.id, None)
            self._wake.set()

    # ----------------------------------------------------------------- attempts
    async def _attempt(self, delivery: Delivery) -> Outcome:
        if delivery.kind == "results":
            path = self.results_path(delivery.job_id, delivery.job_run_id)
            outcome, stored = await self.results_storage.store(
                delivery.job_id, delivery.job_run_id, path
            )
            if outcome.status == "delivered":
                self.queue.put_results_object(delivery.job_run_id, stored)
                self.on_results_stored(delivery.job_run_id)
            return outcome
        definition = self.definitions(delivery.job_id)
        if definition is None:
            return Outcome("dropped", "the Job no longer exists")
        if delivery.kind == "sink":
            return await self._sink(definition, delivery)
        return await self._notification(definition, delivery)

    async def _sink(self, definition: JobDefinition, delivery: Delivery) -> Outcome:
        sink = definition.sink
        if sink is None:
            return Outcome("dropped", "the Job no longer has a sink")
        body = delivery.body.encode()
        if sink.type == "webhook":
            return await self._webhook(definition, delivery, sink, body)
        if sink.endpoint is not None:
            refused = await self._refused(sink.endpoint)
            if refused is not None:
                return Outcome("refused", refused)
        target = S3Target(
            bucket=sink.bucket,
            region=sink.region,
            endpoint=sink.endpoint,
            force_path_style=sink.forcePathStyle,
            access_key_id=sink.accessKeyId.get_secret_value(),
            secret_access_key=sink.secretAccessKey.get_secret_value(),
        )
        key = f"{sink.prefix}{delivery.job_id}/{delivery.job_run_id}/{delivery.run_id}.json"
        client = self.s3_clients.get(target)
        return await asyncio.to_thread(put_object, client, sink.bucket, key, body)

    async def _notification(self, definition: JobDefinition, delivery: Delivery) -> Outcome:
        if delivery.target >= len(definition.notifications):
            return Outcome("dropped", "the Job no longer has this notification")
        if self.queue.results_pending(delivery.job_run_id):
            return Outcome("waiting")
        target = definition.notifications[delivery.target]
        event: dict[str, Any] = json.loads(delivery.body)
        stored = self.queue.results_object(delivery.job_run_id)
        link = None if stored is None else self.results_storage.link(stored, self.clock())
        event["aggregatedResults"] = None if link is None else link.notification_object()
        body = json.dumps(event, separators=(",", ":")).encode()
        return await self._webhook(definition, delivery, target, body)

    async def _webhook(
        self,
        definition: JobDefinition,
        delivery: Delivery,
        target: WebhookSink | WebhookNotification,
        body: bytes,
    ) -> Outcome:
        url = target.url
        url_hash = _url_hash(url)
        gone = self.queue.gone_fingerprint(delivery.job_id, url_hash)
        if gone is not None:
            if gone == _fingerprint(definition):
                return Outcome("dropped", "the receiver answered 410 Gone earlier")
            self.queue.clear_gone(delivery.job_id, url_hash)
        refused = await self._refused(url)
        if refused is not None:
            return Outcome("refused", refused)
        outcome = await self.sender.post(
            url,
            body=body,
            message_id=delivery.id,
            headers={k: v.get_secret_value() for k, v in target.headers.items()},
            signing_secret=target.signingSecret.get_secret_value()
            if target.signingSecret
            else None,
            now_ms=self.clock(),
        )
        if outcome.status == "gone":
            self.queue.mark_gone(delivery.job_id, url_hash, _fingerprint(definition))
        return outcome

    async def _refused(self, url: str) -> str | None:
        if self.settings.allow_private_targets:
            return None
        return await refused_target(url)

    # ------------------------------------------------------------------ outcome
    def _record(self, queued: QueuedDelivery, outcome: Outcome) -> None:
        delivery = queued.delivery
        now = self.clock()
        attempts = queued.attempts + 1
        detail = self.redactor.redact(outcome.detail) or None
        what = f"{delivery.job_id} {delivery.job_run_id}: {delivery.kind} delivery {delivery.id}"
        target = (delivery.job_id, delivery.kind, delivery.target)
        if outcome.status != "waiting":
            self.counts[(delivery.kind, outcome.status)] += 1
        if outcome.status == "waiting":
            self.queue.retry(delivery.id, queued.attempts, now + WAIT_FOR_RESULTS_MS, None)
        elif outcome.status == "delivered":
            self.queue.finish(delivery.id, "delivered", attempts, None)
            if target in self._failing:  # it answers again: its backlog need not wait
                self._failing.discard(target)
                self.queue.due_now(delivery.job_id, delivery.kind, delivery.target, now)
                self.poke()
        elif outcome.status in ("gone", "dropped"):
            self.queue.finish(delivery.id, outcome.status, attempts, detail)
            self.say(f"{what} not sent: {detail}")
        elif outcome.status == "refused":
            self.queue.retry(delivery.id, attempts, now, detail)
            self.queue.hold_job(delivery.job_id, delivery.kind, detail or "refused")
            self._held_notice(delivery, detail or "refused")
        else:
            due = next_attempt_at(
                self.settings.policy,
                attempts=attempts,
                created_at=delivery.created_at,
                now=now,
                retry_after_ms=outcome.retry_after_ms,
                rand=self.rand(),
            )
            if due is None:
                self.queue.finish(delivery.id, "failed", attempts, detail)
                self.say(f"{what} given up after {attempts} attempts: {detail}")
            else:
                self.queue.retry(delivery.id, attempts, due, detail)
                self._failing.add(target)

    def _held_notice(self, delivery: Delivery, detail: str) -> None:
        if (delivery.job_id, delivery.kind) in self._held:
            return
        self._held.add((delivery.job_id, delivery.kind))
        self.say(
            f"{delivery.job_id}: {delivery.kind} deliveries held: {detail}; fix the Job's "
            "settings, then resume the Job or save its file to deliver them"
        )
        definition = self.definitions(delivery.job_id)
        sink = None if definition is None else definition.sink
        if delivery.kind == "sink" and sink is not None and sink.type == "s3":
            self.on_sink_refused(delivery.job_id, delivery.job_run_id, detail)
