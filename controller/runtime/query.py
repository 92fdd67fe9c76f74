"""Read-only views of the runtime's state: what the REST API, the operator's status projection
and the metrics read. Nothing here changes anything; commands go through ``Runtime``.

The records returned are the engine's own (no copies, for speed): callers read them between
passes, on the loop, and must not change them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from ..delivery import AttemptArtifacts, ResultsLink, ResultsStorage
from ..engine import Engine, Identity, Job, JobRun, Waiting, read_results_line, run_waiting
from ..spec import AuthSessionDefinition
from ..store import DeliveryQueue, RunQueries
from ..vocabulary import AuthSessionStatus
from .failures import FailureGroup, group_failures
from .job_figures import DURATION_SAMPLE, JobRunFigures, figures
from .timeline import Timeline, in_lanes, sliced

TIMELINE_BARS = 2_000
"""Attempts a timeline draws one by one; past that it counts them in slices."""
TIMELINE_SLICES = 120
FAILURE_ROWS = 2_000
"""(code, exact message) groups read per JobRun: the most frequent, when messages vary past
what their shape folds together."""


class RuntimeQuery:
    def __init__(
        self,
        engine: Engine,
        deliveries: DeliveryQueue,
        results_storage: ResultsStorage,
        clock: Callable[[], int],
        *,
        results_path: Callable[[str, str], Path],
        auth_sessions: Mapping[str, AuthSessionDefinition],
        auth_status: Callable[[str], AuthSessionStatus],
        auth_summary: Callable[[str], dict[str, Any]],
        run_records: RunQueries,
        artifacts: AttemptArtifacts,
    ) -> None:
        self._engine = engine
        self.artifacts = artifacts
        """Attempts' traces and logs (``locate`` finds one to serve)."""
        self.run_records = run_records
        """A JobRun's Runs and their attempts, from the store (as of the last saved pass)."""
        self._auth_sessions = auth_sessions
        self.auth_status = auth_status
        """An AuthSession's status, from its stored state."""
        self.auth_summary = auth_summary
        """An AuthSession's status, version, last recreation and check (never its state)."""
        self._deliveries = deliveries
        self._results_storage = results_storage
        self.clock = clock
        self.results_path = results_path
        """(Job, JobRun) -> its results file on this host (written as its Runs end)."""

    @property
    def identity(self) -> Identity:
        return self._engine.identity

    @property
    def max_workers(self) -> int:
        """Attempts run at once at most (the configured maximum, capped by the launcher)."""
        return self._engine.max_workers

    def job(self, job_id: str) -> Job | None:
        return self._engine.jobs.get(job_id)

    def waitings(self) -> dict[str, Waiting | None]:
        """Every active JobRun's ``waiting``, at the cost of one."""
        return self._engine.waitings()

    def waiting(self, job_run_id: str) -> Waiting | None:
        """Why the JobRun's pending Runs are not running now."""
        return self._engine.waiting(job_run_id)

    def runs_waiting(self, job_run_id: str) -> Callable[[str, str], Waiting | None]:
        """Why a Run of the JobRun (its ID, and its status as stored) is not running now; the
        JobRun's reason is computed once, for a whole page of its Runs."""
        job_run = self._engine.job_runs.get(job_run_id)
        held = {} if job_run is None else job_run.runs
        waiting = self.waiting(job_run_id)
        return lambda run_id, status: run_waiting(held.get(run_id), status, waiting)

    def job_ids(self) -> list[str]:
        return sorted(self._engine.jobs)

    def job_run(self, job_run_id: str) -> JobRun | None:
        return self._engine.job_runs.get(job_run_id)

    def job_runs(self, job_id: str | None = None) -> list[JobRun]:
        """JobRuns held (the history limit's worth per Job), of one Job if given, newest first."""
        found = [r for r in self._engine.job_runs.values() if job_id is None or r.job_id == job_id]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)

    def timeline(self, job_run: JobRun) -> Timeline:
        """The JobRun's attempts on a time axis (``timeline.py``): each one in its lane up to
        ``TIMELINE_BARS``, counted in ``TIMELINE_SLICES`` slices of its time past that."""
        start = job_run.start_time or job_run.created_at
        end = max(job_run.end_time or self.clock(), start + 1)
        running = [
            (run.id, run.attempts + 1, run.attempt_started_at or start)
            for run in job_run.runs.values()
            if run.status == "RUNNING" and job_run.active
        ]
        ended = self.run_records.ended_attempts(job_run.id, TIMELINE_BARS + 1)
        if len(ended) + len(running) <= TIMELINE_BARS:
            bars = in_lanes(ended, running)
            return Timeline(start, end, len(bars), bars=bars)
        width = -(-(end - start) // TIMELINE_SLICES)
        counted = self.run_records.attempt_histogram(job_run.id, start, width, TIMELINE_SLICES)
        slices = sliced(counted, len(running), start, width, TIMELINE_SLICES)
        total = sum(sum(s.counts.values()) for s in slices)
        return Timeline(start, start + width * TIMELINE_SLICES, total, slices=slices)

    def job_figures(self, job_id: str, job_runs: int) -> list[JobRunFigures]:
        """What the Job's charts show of its latest ``job_runs`` JobRuns that started, oldest
        first (``job_figures.py``)."""
        started = [r for r in self.job_runs(job_id) if r.start_time is not None][:job_runs]
        now = self.clock()
        return [
            figures(
                job_run,
                [e[3] - e[2] for e in self.run_records.ended_attempts(job_run.id, DURATION_SAMPLE)],
                now,
            )
            for job_run in reversed(started)
        ]

    def follow_log(self, attempt_id: str, in_flight: Callable[[], bool]) -> AsyncIterator[str]:
        """The log of an attempt in flight as its worker writes it (``delivery.live_logs``)."""
        return self.artifacts.live.follow(attempt_id, in_flight)

    def failures(self, job_run_ids: list[str]) -> list[FailureGroup]:
        """These JobRuns' failed Runs grouped by error code and message shape, the latest
        failure first (``failures.py``)."""
        return group_failures(self.run_records.failures(job_run_ids, FAILURE_ROWS))

    def active_job_runs(self) -> list[JobRun]:
        return [r for r in self._engine.job_runs.values() if r.active]

    def final_run_lines(self, job_run: JobRun) -> list[dict[str, Any]]:
        """The results lines of the JobRun's ended Runs, from its file on this host (a small
        JobRun's: every line is read; an uploaded result stays its text, ``RawJson``)."""
        try:
            with self.results_path(job_run.job_id, job_run.id).open("rb") as lines:
                return [read_results_line(line) for line in lines if line.strip()]
        except FileNotFoundError:
            return []

    def auth_session_ids(self) -> list[str]:
        return sorted(self._auth_sessions)

    def auth_session(self, session_id: str) -> AuthSessionDefinition | None:
        return self._auth_sessions.get(session_id)

    def results_object(self, job_run_id: str) -> dict[str, Any] | None:
        """Where the JobRun's results file was stored (None: not stored yet)."""
        return self._deliveries.results_object(job_run_id)

    def results_link(self, job_run_id: str) -> ResultsLink | None:
        """A link to the JobRun's results file, once it has been stored."""
        stored = self.results_object(job_run_id)
        return None if stored is None else self._results_storage.link(stored, self.clock())

    def deliveries_outstanding(self) -> int:
        return self._deliveries.outstanding()

    def oldest_delivery_outstanding(self) -> int | None:
        """When the oldest delivery still to be sent was planned (epoch ms), None if none is."""
        return self._deliveries.oldest_outstanding()
