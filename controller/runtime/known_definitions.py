"""Every definition this process was given, for what needs one after the engine has it: the
deliverer (a Job's sinks and notifications, a deleted Job's too: its last deliveries still need
their targets), AuthSession recreation (the session's definition) and the redactor (their
secrets leave no line, log or error)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection

from ..engine import direct_kind
from ..spec import AuthSessionDefinition, EnvReference, JobDefinition, Redactor, secret_values


class KnownDefinitions:
    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.auth_sessions: dict[str, AuthSessionDefinition] = {}
        self._jobs: dict[str, JobDefinition] = {}
        self._ended_direct: dict[str, str] = {}
        """One-off Jobs (direct Runs, AuthSession operations) whose JobRun ended, until their
        deliveries are done: Job ID -> JobRun ID. Not stored: after a restart, a one-off Job
        that ended is not defined again."""

    def job(self, job_id: str) -> JobDefinition | None:
        return self._jobs.get(job_id)

    def put_job(self, job_id: str, definition: JobDefinition) -> None:
        self.redactor.add(secret_values(definition))
        self._jobs[job_id] = definition

    def put_auth_session(self, session_id: str, definition: AuthSessionDefinition) -> None:
        credentials = (definition.credentials or {}).values()
        env = [os.environ.get(v.env, "") for v in credentials if isinstance(v, EnvReference)]
        self.redactor.add([*secret_values(definition), *env])
        self.auth_sessions[session_id] = definition

    def remove_auth_session(self, session_id: str) -> None:
        self.auth_sessions.pop(session_id, None)

    def job_run_ended(self, job_id: str, job_run_id: str) -> None:
        if direct_kind(job_id) is not None:
            self._ended_direct[job_id] = job_run_id

    def release_delivered(self, outstanding: Callable[[Collection[str]], int]) -> None:
        """Forget the one-off Jobs whose JobRun ended and has nothing ``outstanding``."""
        for job_id, job_run_id in list(self._ended_direct.items()):
            if not outstanding([job_run_id]):
                del self._ended_direct[job_id]
                self._jobs.pop(job_id, None)  # a restart may not have defined it again
