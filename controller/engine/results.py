"""The results line of a final Run, exactly in the reference schema (one JSON object per line)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import msgspec

from .. import jsontext
from ..vocabulary import INLINE_RESULT_BYTES
from .records import JobRun, Run

IDS = uuid.UUID("6b1c3f0e-5d2a-4c57-9a41-0f8e2b7d9c13")
"""The namespace of the UUIDs derived from workspace and project names (UUIDv5): the same names
give the same IDs on every controller, across restarts and reinstalls."""


@dataclass(frozen=True)
class Identity:
    """Who the results belong to, as the reference's workspace and project fields say."""

    workspace_id: str = "local"
    project_id: str = "local"
    project_name: str = "default"
    workspace_name: str = ""
    """What the workspace was configured as, which API paths may name instead of its ID."""

    @classmethod
    def named(cls, workspace: str, project_name: str, project_id: str | None = None) -> Identity:
        """Intuned's workspace and project IDs are UUIDs: a workspace given as a UUID is kept,
        a name becomes a UUID derived from it; the project's likewise from both, unless given."""
        try:
            workspace_id = str(uuid.UUID(workspace))
        except ValueError:
            workspace_id = str(uuid.uuid5(IDS, f"workspace/{workspace}"))
        derived = str(uuid.uuid5(IDS, f"project/{workspace_id}/{project_name}"))
        return cls(workspace_id, project_id or derived, project_name, workspace)


def iso_ms(ms: int | None) -> str | None:
    """2024-01-01T09:00:02.341Z (the reference's timestamp form)."""
    if ms is None:
        return None
    second, milli = divmod(ms, 1000)
    return _iso_second(second) + _MILLIS[milli]


_MILLIS = tuple(f".{milli:03d}Z" for milli in range(1000))
"""Every Run's line has two timestamps: their ends are looked up, not formatted."""


@functools.lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    """Formatting is costly and a busy pass ends many Runs in the same second."""
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")


class LineOwner(NamedTuple):
    """What a results line says of the JobRun it belongs to (a tuple: made and hashed once a
    Run, as the key of ``_owner_fields``)."""

    job_id: str
    job_run_id: str
    auth_session: str | None

    @classmethod
    def of(cls, job_run: JobRun) -> LineOwner:
        return cls(job_run.job_id, job_run.id, job_run.auth_session)


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """A results line and its place: line ``seq`` (from 1) of its JobRun's file. The line, UTF-8
    and without its newline, comes in pieces to be written one after another: an uploaded
    result (``RawJson``, up to 64 MiB) is one of them as it arrived, never copied into a line."""

    job_id: str
    job_run_id: str
    seq: int
    run_id: str
    pieces: tuple[bytes, ...]

    @property
    def line(self) -> str:
        """The whole line, as one text (a copy of every piece)."""
        return b"".join(self.pieces).decode()


def result_record(identity: Identity, owner: LineOwner, run: Run) -> ResultRecord:
    """The record of an ended Run (``run.result_seq`` set), when it ends and when a line lost
    in a crash is made again."""
    pieces = results_line(identity, owner, run)
    return ResultRecord(owner.job_id, owner.job_run_id, run.result_seq or 0, run.id, pieces)


def results_line(identity: Identity, owner: LineOwner, run: Run) -> tuple[bytes, ...]:
    """The line of an ended Run; a pure function of stored fields, so that a line lost in a
    crash is made again, byte for byte, from the store (``ResultsFiles.reconcile``)."""
    api_info = {
        "name": run.api_name,
        "parameters": run.parameters,
        "runId": run.id,
        "result": run.result,
        "started_at": iso_ms(run.started_at),
        "ended_at": iso_ms(run.ended_at),
        "error": run.error,
        "reason": run.reason,
        "trace_url": run.trace_url,
        "log_url": run.log_url,
    }
    if run.attributes:  # only a Run that set some: lines are otherwise Intuned's exactly
        api_info["attributes"] = run.attributes
    owner_fields = _owner_fields(identity, owner)
    if isinstance(run.result, jsontext.RawJson):
        return _around_upload(api_info, run.result, owner_fields)
    return (b'{"apiInfo":' + jsontext.dumps_bytes(api_info) + b"," + owner_fields + b"}",)


def _around_upload(
    api_info: dict[str, Any], result: jsontext.RawJson, owner_fields: bytes
) -> tuple[bytes, ...]:
    """The line of an uploaded result in three pieces, the result's text the middle one: the
    fields before and after it are written as the one object ``jsontext`` would make."""
    names = list(api_info)
    at = names.index("result")
    before = jsontext.dumps_bytes({name: api_info[name] for name in names[:at]})
    after = jsontext.dumps_bytes({name: api_info[name] for name in names[at + 1 :]})
    head = b'{"apiInfo":' + before[:-1] + b',"result":'
    return head, result.text, b"," + after[1:] + b"," + owner_fields + b"}"


@functools.lru_cache(maxsize=64)
def _owner_fields(identity: Identity, owner: LineOwner) -> bytes:
    """The fields after ``apiInfo``, the same in every line of a JobRun: made once."""
    fields = {
        "workspaceId": identity.workspace_id,
        "project": {"id": identity.project_id, "name": identity.project_name},
        "projectJob": {"id": owner.job_id},
        "projectJobRun": {"id": owner.job_run_id},
        "authSession": owner.auth_session,
    }
    return jsontext.dumps_bytes(fields)[1:-1]


class _Line(msgspec.Struct):
    """A results line's ``apiInfo``, its fields' values unread: ``jsontext`` reads them
    (integers beyond 64 bits included, which msgspec refuses)."""

    apiInfo: dict[str, msgspec.Raw]  # the line's own field name


_LINE = msgspec.json.Decoder(_Line)


def read_results_line(line: bytes) -> dict[str, Any]:
    """A results line's ``apiInfo`` (what a reader of one Run asks for: the owner fields are the
    JobRun's). A result larger than an inline one stays its text (``RawJson``), never made
    objects of: 64 MiB of ``[{},...]`` would be millions of them."""
    info = {}
    for name, raw in _LINE.decode(line).apiInfo.items():
        text = bytes(raw)
        big = name == "result" and len(text) > INLINE_RESULT_BYTES
        info[name] = jsontext.RawJson(text) if big else jsontext.loads(text.decode())
    return {"apiInfo": info}
