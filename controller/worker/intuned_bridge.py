"""When the project's environment has the real ``intuned-runtime`` (a user's image, a
requirements file that installs it): libraries that read Intuned's own context
(``intuned_browser`` does, through ``_intuned_runtime_internal``) get one that describes this
attempt, and what they put into it reaches the controller as jobctl's own API would send it.

User code imports jobctl's ``intuned_runtime`` either way (``compat`` is first on the path);
this context is entered around the setup hook and the API, sharing the attempt store, and read
back when they return: extended payloads are sent, attributes kept. Without the real runtime,
this does nothing.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

from ..vocabulary import worker_event
from .intuned_api import get_auth_session_parameters
from .runtime import AttemptContext


@contextlib.contextmanager
def intuned_context(attempt: AttemptContext) -> Iterator[None]:
    try:
        context_module = importlib.import_module("_intuned_runtime_internal.context.context")
        run_types = importlib.import_module("_intuned_runtime_internal.types.run_types")
    except ImportError:
        yield
        return
    request = attempt.request

    async def extend_timeout() -> None:
        attempt.send(worker_event("heartbeat"))

    real = context_module.IntunedContext(
        run_context=run_types.IntunedRunContext(
            job_id=request.get("job_id"),
            job_run_id=request.get("job_run_id"),
            run_id=request.get("run_id"),
            auth_session_id=request.get("auth_session"),
        ),
        extend_timeout=extend_timeout,
        get_auth_session_parameters=get_auth_session_parameters,
    )
    real.store = attempt.store  # the same dict (a model field given at construction is copied)
    with real:
        try:
            yield
        finally:
            _read_back(real, attempt)


def _read_back(real: Any, attempt: AttemptContext) -> None:
    if real.extended_payloads:
        items = [dict(item) for item in real.extended_payloads]
        attempt.send(worker_event("extend_payload", items=items))
    attempt.attributes.update(real.attributes.to_dict())
