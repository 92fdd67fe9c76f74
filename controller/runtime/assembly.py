"""The runtime's composition root, shared by both modes: its parts made once, each given the
others it needs, then handed to ``Runtime``, which builds none of them.

A mode's own root (``EmbeddedController``, the operator's ``_build``) chooses the store, the
launcher and the definition source, and calls ``assemble``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from ..auth import AuthSessions, saved_states
from ..delivery import Deliverer, LiveLogs, PublicUrl, S3Clients
from ..engine import Engine, Launcher
from ..spec import Redactor
from ..store import Store
from .attempt_questions import AttemptQuestions
from .driver import Runtime
from .inbox import Inbox
from .known_definitions import KnownDefinitions
from .lines import Lines
from .ports import DefinitionSource
from .query import RuntimeQuery
from .results_files import ResultsFiles
from .settings import RuntimeSettings, wall_clock_ms


def assemble(
    settings: RuntimeSettings,
    *,
    store: Store,
    launcher: Launcher,
    definitions: DefinitionSource,
    clock: Callable[[], int] = wall_clock_ms,
    out: TextIO = sys.stdout,
) -> Runtime:
    redactor = Redactor()
    lines = Lines(clock, redactor, out)
    inbox = Inbox()
    known = KnownDefinitions(redactor)
    results = ResultsFiles(settings.state / "results", store, settings.identity)
    engine = Engine(
        identity=settings.identity,
        max_workers=min(settings.max_workers, launcher.capacity),
        history_limit=settings.history_limit,
    )
    clients = S3Clients()
    public_url = PublicUrl()
    results_storage = settings.results_storage(results.root, clients, public_url)
    artifacts = settings.artifacts(clients, public_url, LiveLogs(redactor.redact))
    query = RuntimeQuery(
        engine,
        store.deliveries,
        results_storage,
        clock,
        results_path=results.path,
        auth_sessions=known.auth_sessions,
        auth_status=store.auth_states.status,
        auth_summary=store.auth_states.summary,
        run_records=store.run_queries,
        artifacts=artifacts,
    )
    deliverer = Deliverer(
        store.deliveries,
        settings.delivery,
        definitions=known.job,
        results_path=results.path,
        results_storage=results_storage,
        redactor=redactor,
        say=lines.say,
        on_sink_refused=inbox.sink_refused,
        on_results_stored=inbox.results_stored,
        clock=clock,
        s3_clients=clients,
    )
    if launcher.browsers is not None:
        auth = AuthSessions(
            store.auth_states,
            known.auth_sessions.get,
            say=lines.say,
            lock_timeout_s=settings.auth_lock_timeout_s,
            clock=clock,
            first_state=saved_states(settings.auth_session_instances),
        )
        questions = AttemptQuestions(auth, store.persistent, clock, engine.attempt_auth_session)
        launcher.browsers.attach(questions, artifacts)
    return Runtime(
        settings,
        engine=engine,
        store=store,
        launcher=launcher,
        definitions=definitions,
        deliverer=deliverer,
        known=known,
        results=results,
        artifacts=artifacts,
        query=query,
        public_url=public_url,
        redactor=redactor,
        lines=lines,
        inbox=inbox,
        clock=clock,
    )
