"""What every route of the REST API shares: its prefix, path parameters and error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from .. import jsontext
from .errors import ERROR_CODES
from .intuned.models import ErrorOut

API = "/api/v1/workspace/{workspaceId}/projects/{projectName}"
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": code} for status, code in ERROR_CODES.items()
}
Workspace = Annotated[str, Path(alias="workspaceId", description="The workspace ID.")]
ProjectName = Annotated[str, Path(alias="projectName", description="The project's name.")]
JobRunId = Annotated[str, Path(alias="jobRunId", description="The JobRun ID (jr_...).")]
JobId = Annotated[str, Path(alias="jobId", description="The Job ID.")]
SessionId = Annotated[str, Path(alias="authSessionId", description="The AuthSession ID.")]


def answer(body: dict[str, Any], result: Any) -> Any:
    """``body``, which FastAPI checks against the route's model; written as it is when its Run's
    ``result`` is an uploaded one (``RawJson``), which no model takes and which is not to be
    made objects of."""
    if isinstance(result, jsontext.RawJson):
        return Response(jsontext.dumps_bytes(body), media_type="application/json")
    return body
