"""The runtime as a definition source sees it (``ports.DefinitionTarget``), within one pass."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..spec import AuthSessionDefinition, EnvReference, JobDefinition, secret_values

if TYPE_CHECKING:
    from .driver import Runtime


class PassTarget:
    """The runtime as a definition source sees it, within one pass at ``now``."""

    def __init__(self, runtime: Runtime, now: int) -> None:
        self.runtime, self.now = runtime, now

    def put_job(self, job_id: str, definition: JobDefinition) -> None:
        runtime = self.runtime
        runtime.know_job(job_id, definition)
        runtime.engine.put_job(job_id, definition, self.now)
        runtime.deliverer.release(job_id)

    def delete_job(self, job_id: str) -> None:
        if self.runtime.query.job(job_id) is not None:
            self.runtime.engine.delete_job(job_id, self.now)

    def set_paused(self, job_id: str, paused: bool, note: str | None = None) -> None:
        job = self.runtime.query.job(job_id)
        if job is None or (job.paused == paused and (not paused or job.pause_note == note)):
            return
        if paused:
            self.runtime.engine.pause_job(job_id, self.now, note=note)
        else:
            self.runtime.engine.resume_job(job_id, self.now)
            self.runtime.deliverer.release(job_id)

    def put_auth_session(self, session_id: str, definition: AuthSessionDefinition) -> None:
        credentials = definition.credentials.values()
        env = [os.environ.get(v.env, "") for v in credentials if isinstance(v, EnvReference)]
        self.runtime.redactor.add([*secret_values(definition), *env])
        self.runtime.auth_definitions[session_id] = definition

    def remove_auth_session(self, session_id: str) -> None:
        self.runtime.auth_definitions.pop(session_id, None)

    def say(self, text: str) -> None:
        self.runtime.say(text)
