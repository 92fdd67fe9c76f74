"""Definitions given as JSON documents through the REST API, read by the files' own loader.

A document is validated exactly as a file of the same name would be, so the API and git accept
the same definitions and report the same problems (``InvalidDefinitionError``, ``path:
message``). The name is the file name the document stands for: it gives the ID when the
document has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..engine import InvalidDefinitionError
from ..spec import (
    AuthSessionDefinition,
    JobDefinition,
    LoadResult,
    load_auth_session_file_text,
    load_job_file_text,
)


def _load(document: Any, what: str, load: Callable[[str], LoadResult]) -> LoadResult:
    if not isinstance(document, dict):
        raise InvalidDefinitionError([f"the body must be a JSON object: {what}"])
    result = load(json.dumps(document))
    if result.problems:
        raise InvalidDefinitionError([p.message for p in result.problems])
    return result


def parse_job_document(name: str, document: Any) -> JobDefinition:
    result = _load(
        document, "a Job definition", lambda text: load_job_file_text(text, f"{name}.job.json")
    )
    return result.jobs[0].definition


def parse_auth_session_document(name: str, document: Any) -> AuthSessionDefinition:
    file = f"{name}.auth-session.json"
    result = _load(
        document,
        "an AuthSession definition",
        lambda text: load_auth_session_file_text(text, file),
    )
    return result.auth_sessions[0].definition
