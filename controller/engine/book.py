"""What the engine holds between passes (Jobs, JobRuns, the attempts in flight, the workers in
use) and what the current pass has changed, handed over by ``take_output``.

Every change goes through the ``*_changed``/``*_created`` methods or into ``changes`` (durable,
saved in one transaction) and ``effects`` (performed after that save): an object changed without
being marked here is not saved, so a restart would lose it. Nothing here reads a clock or touches
I/O.
"""

from __future__ import annotations

from ..vocabulary import FINAL_RUN
from .errors import NotFoundError
from .output import Changes, Effects, Output
from .policies import beyond_history
from .records import Job, JobRun, Run
from .results import Identity
from .spill import wants_loading


class Book:
    def __init__(self, *, identity: Identity | None, max_workers: int, history_limit: int) -> None:
        self.identity = identity or Identity()
        self.max_workers = max_workers
        self.history_limit = history_limit
        self.jobs: dict[str, Job] = {}
        self.job_runs: dict[str, JobRun] = {}
        self.active_by_job: dict[str, str] = {}
        """Each Job's active JobRun: a Job has at most one."""
        self.attempts: dict[str, Run] = {}
        """The Runs whose attempts are in flight (or restored, awaited), by attempt ID."""
        self.running_total = 0
        """Worker slots in use, over every JobRun: at most ``max_workers``."""
        self.changes = Changes()
        self.effects = Effects()
        self._changed_jobs: dict[str, Job] = {}
        self._changed_job_runs: dict[str, JobRun] = {}
        self._changed_runs: dict[str, Run] = {}
        self._created_runs: dict[str, Run] = {}
        self._created_job_runs: dict[str, JobRun] = {}

    def job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}")
        return job

    def active(self, job_id: str) -> JobRun | None:
        job_run_id = self.active_by_job.get(job_id)
        return self.job_runs[job_run_id] if job_run_id else None

    def active_job_runs(self) -> list[JobRun]:
        return [self.job_runs[i] for i in self.active_by_job.values()]

    def paused(self, job_id: str) -> bool:
        job = self.jobs.get(job_id)
        return job is not None and job.paused

    def proxy(self, job_id: str) -> str | None:
        """Secrets are never snapshotted (the snapshot is stored); read them from the Job."""
        job = self.jobs.get(job_id)
        if job is None:
            return None
        configured = job.definition.proxy_url
        return configured.get_secret_value() if configured else None

    def notice(self, job_run: JobRun, text: str) -> None:
        self.effects.notices.append(f"{job_run.job_id} {job_run.id}: {text}")

    def job_changed(self, job: Job) -> None:
        self._changed_jobs[job.job_id] = job

    def job_run_changed(self, job_run: JobRun) -> None:
        self._changed_job_runs[job_run.id] = job_run

    def run_changed(self, run: Run) -> None:
        self._changed_runs[run.id] = run

    def job_run_created(self, job_run: JobRun) -> None:
        self.job_runs[job_run.id] = job_run
        self._changed_job_runs[job_run.id] = job_run
        self._created_job_runs[job_run.id] = job_run

    def run_created(self, run: Run) -> None:
        self._created_runs[run.id] = run

    def forget_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self._changed_jobs.pop(job_id, None)
        self.changes.deleted_jobs.append(job_id)

    def prune(self, job_id: str) -> None:
        """The Job's ended JobRuns past ``history_limit`` leave memory and the store."""
        for job_run in beyond_history(self.job_runs.values(), job_id, self.history_limit):
            del self.job_runs[job_run.id]
            self._changed_job_runs.pop(job_run.id, None)
            self._created_job_runs.pop(job_run.id, None)
            self.changes.pruned_job_runs.append(job_run)

    def take_output(self) -> Output:
        """The pass's changes and effects; ended JobRuns and Runs, about to be persisted, leave
        memory here."""
        changes, effects = self.changes, self.effects
        changes.jobs = list(self._changed_jobs.values())
        changes.job_runs = list(self._changed_job_runs.values())
        changes.new_job_runs = list(self._created_job_runs.values())
        changes.new_runs = list(self._created_runs.values())
        changes.runs = [r for i, r in self._changed_runs.items() if i not in self._created_runs]
        for job_run in changes.job_runs:
            if not job_run.active:
                job_run.runs.clear()
        for run in (*changes.new_runs, *changes.runs):
            owner = self.job_runs.get(run.job_run_id)
            if run.status in FINAL_RUN and owner is not None:
                owner.runs.pop(run.id, None)
        effects.loads = [j.id for j in self.active_job_runs() if wants_loading(j)]
        self.changes, self.effects = Changes(), Effects()
        self._changed_jobs, self._changed_job_runs, self._changed_runs = {}, {}, {}
        self._created_runs, self._created_job_runs = {}, {}
        return Output(changes, effects)
