"""The runtime's definitions as a definition source changes them (``ports.DefinitionTarget``),
within one pass at ``now``: the engine is told, the definitions are known (their secrets
redacted, deliveries' targets found) and a Job's held deliveries are let go."""

from __future__ import annotations

from collections.abc import Callable

from ..delivery import Deliverer
from ..engine import Engine
from ..spec import AuthSessionDefinition, JobDefinition
from .known_definitions import KnownDefinitions
from .query import RuntimeQuery


class PassTarget:
    def __init__(
        self,
        *,
        engine: Engine,
        query: RuntimeQuery,
        known: KnownDefinitions,
        deliverer: Deliverer,
        say: Callable[[str], None],
        now: int,
    ) -> None:
        self.engine, self.query, self.known = engine, query, known
        self.deliverer, self.say, self.now = deliverer, say, now

    def put_job(self, job_id: str, definition: JobDefinition) -> None:
        self.known.put_job(job_id, definition)
        self.engine.put_job(job_id, definition, self.now)
        self.deliverer.release(job_id)

    def delete_job(self, job_id: str) -> None:
        if self.query.job(job_id) is not None:
            self.engine.delete_job(job_id, self.now)

    def set_paused(self, job_id: str, paused: bool, note: str | None = None) -> None:
        job = self.query.job(job_id)
        if job is None or (job.paused == paused and (not paused or job.pause_note == note)):
            return
        if paused:
            self.engine.pause_job(job_id, self.now, note=note)
        else:
            self.engine.resume_job(job_id, self.now)
            self.deliverer.release(job_id)

    def put_auth_session(self, session_id: str, definition: AuthSessionDefinition) -> None:
        self.known.put_auth_session(session_id, definition)

    def remove_auth_session(self, session_id: str) -> None:
        self.known.remove_auth_session(session_id)
