"""Loading Jobs from job files and manifests, collecting every problem instead of stopping.

The text functions are pure (text in, ``LoadResult`` out) so the controller, the CLI and the
operator's git sync share them; ``load_paths`` is the thin file-system edge. A file with problems
contributes no jobs but never prevents the other files from loading.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..vocabulary import API_VERSION, GROUP
from ._documents import ParsedDocument, SyntaxProblem, parse_json5, parse_yaml
from ._errors import problems_from_validation
from ._files import FileStamp, UnreadableFileError, file_stamp, read_definition_file
from ._problems import START, DataPath, Position, Problem
from ._secret_refs import SECRETS_CONTEXT, SHAPE_ONLY
from ._types import is_dns_label
from .auth_session import AuthSessionDefinition
from .job import JobDefinition
from .kube import JobResourceSpec, JobRunSpec

JOB_FILE_SUFFIXES = (".job.jsonc", ".job.json")
AUTH_SESSION_SUFFIXES = (".auth-session.jsonc", ".auth-session.json")
MANIFEST_SUFFIXES = (".yaml", ".yml")
_Model = TypeVar("_Model", bound=BaseModel)
_MANIFEST_KEYS = ("apiVersion", "kind", "metadata", "spec", "status")


@dataclass(frozen=True)
class LoadedJob:
    """A valid Job and the mapping it was validated from (the whole job file, or a manifest's
    ``spec``). Whoever passes the definition on as data (``jobctl apply``, repo sync) uses that
    mapping rather than reading the file again: the file may have changed since it was checked."""

    job_id: str
    definition: JobDefinition
    file: str
    document: Mapping[str, Any]
    namespace: str | None = None


@dataclass(frozen=True)
class LoadedJobRun:
    name: str
    spec: JobRunSpec
    file: str
    namespace: str | None = None


@dataclass(frozen=True)
class LoadedAuthSession:
    session_id: str
    definition: AuthSessionDefinition
    file: str
    document: Mapping[str, Any]
    """As ``LoadedJob.document``."""


@dataclass
class LoadResult:
    jobs: list[LoadedJob] = field(default_factory=list)
    job_runs: list[LoadedJobRun] = field(default_factory=list)
    auth_sessions: list[LoadedAuthSession] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    def merge(self, other: LoadResult) -> None:
        self.jobs += other.jobs
        self.job_runs += other.job_runs
        self.auth_sessions += other.auth_sessions
        self.problems += other.problems
        self.files += other.files


def _id_from_filename(name: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def job_id_from_filename(name: str) -> str | None:
    return _id_from_filename(name, JOB_FILE_SUFFIXES)


def load_job_file_text(text: str, file: str) -> LoadResult:
    """A ``<id>.job.jsonc`` / ``<id>.job.json`` file: one Job whose ID is the file name."""
    result = LoadResult(files=1)
    loaded = _load_named_document(
        text, file, JobDefinition, kind="job", suffixes=JOB_FILE_SUFFIXES, result=result
    )
    if loaded is not None:
        job_id, definition, document = loaded
        result.jobs.append(LoadedJob(job_id, definition, file, document))
    return result


def load_auth_session_file_text(text: str, file: str) -> LoadResult:
    """A ``<id>.auth-session.jsonc`` file: one AuthSession whose ID is the file name."""
    result = LoadResult(files=1)
    loaded = _load_named_document(
        text,
        file,
        AuthSessionDefinition,
        kind="auth-session",
        suffixes=AUTH_SESSION_SUFFIXES,
        result=result,
    )
    if loaded is not None:
        session_id, definition, document = loaded
        result.auth_sessions.append(LoadedAuthSession(session_id, definition, file, document))
    return result


def _load_named_document(
    text: str,
    file: str,
    model: type[_Model],
    *,
    kind: str,
    suffixes: tuple[str, ...],
    result: LoadResult,
) -> tuple[str, _Model, Mapping[str, Any]] | None:
    """A JSONC document whose ID is its file name (``<id><suffix>``) and may repeat as ``id``."""
    name_id = _id_from_filename(os.path.basename(file), suffixes)
    if name_id is None:
        wanted = f"<{kind}-id>{suffixes[0]} or {suffixes[1]}"
        result.problems.append(Problem(file, START, f"not a {kind} file name; name it {wanted}"))
        return None
    try:
        document = parse_json5(text)
    except SyntaxProblem as exc:
        result.problems.append(Problem(file, exc.position, exc.message))
        return None
    if not is_dns_label(name_id):
        result.problems.append(
            Problem(
                file,
                START,
                f"the file name gives {kind} ID {name_id!r}, which is not a valid Kubernetes "
                "name; rename the file using at most 63 lowercase letters, digits and '-'",
            )
        )
    definition = _validate(model, document, file, (), result)
    if not isinstance(definition, model) or result.problems:
        return None
    declared = getattr(definition, "id", None)
    if declared is not None and declared != name_id:
        result.problems.append(_id_mismatch(file, document, ("id",), declared, name_id))
        return None
    return name_id, definition, document.data


def load_manifest_text(
    text: str, file: str, *, only_ours: bool = False, secret_references: bool = False
) -> LoadResult:
    """``Job`` / ``JobRun`` manifests in a YAML stream.

    With ``only_ours`` (folder scans), documents of other API groups are skipped silently, so a
    resources folder may hold unrelated Kubernetes YAML. With ``secret_references`` (checking
    manifests meant for a cluster) ``valueFrom.secretKeyRef`` values are checked for shape and
    left unresolved; otherwise they are an error, since nothing here can read a Secret.
    """
    result = LoadResult(files=1)
    try:
        documents = parse_yaml(text)
    except SyntaxProblem as exc:
        result.problems.append(Problem(file, exc.position, exc.message))
        return result
    for document in documents:
        data = document.data
        api_version = data.get("apiVersion") if isinstance(data, dict) else None
        ours = isinstance(api_version, str) and api_version.split("/")[0] == GROUP
        if only_ours and not ours:
            continue
        _load_manifest(document, file, result, secret_references)
    return result


def _load_manifest(
    document: ParsedDocument, file: str, result: LoadResult, secret_references: bool
) -> None:
    data = document.data
    locate = document.positions.locate
    if not isinstance(data, dict):
        result.problems.append(Problem(file, locate(()), "a manifest must be a YAML mapping"))
        return
    before = len(result.problems)
    for key in data:
        if key not in _MANIFEST_KEYS:
            result.problems.append(
                Problem(
                    file,
                    locate((key,), prefer_key=True),
                    f"unknown key {key!r}; a manifest has {', '.join(_MANIFEST_KEYS)}",
                )
            )
    if data.get("apiVersion") != API_VERSION:
        result.problems.append(
            Problem(file, locate(("apiVersion",)), f"apiVersion must be {API_VERSION!r}")
        )
    kind = data.get("kind")
    if kind not in ("Job", "JobRun"):
        result.problems.append(
            Problem(file, locate(("kind",)), f"kind {kind!r} is not supported; use Job or JobRun")
        )
    name, namespace = _metadata(document, file, result, kind)
    spec_model: type[BaseModel] = JobRunSpec if kind == "JobRun" else JobResourceSpec
    if not isinstance(data.get("spec"), dict):
        result.problems.append(Problem(file, locate(("spec",)), "spec must be an object"))
        return
    context = {SECRETS_CONTEXT: SHAPE_ONLY} if secret_references else None
    spec = _validate(spec_model, document, file, ("spec",), result, context=context)
    if spec is None or len(result.problems) > before or name is None:
        return
    if isinstance(spec, JobRunSpec):
        result.job_runs.append(LoadedJobRun(name, spec, file, namespace))
    elif isinstance(spec, JobDefinition):
        if spec.id is not None and spec.id != name:
            result.problems.append(_id_mismatch(file, document, ("spec", "id"), spec.id, name))
            return
        result.jobs.append(LoadedJob(name, spec, file, data["spec"], namespace))


def _metadata(
    document: ParsedDocument, file: str, result: LoadResult, kind: Any
) -> tuple[str | None, str | None]:
    metadata = document.data.get("metadata")
    locate = document.positions.locate
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not _valid_name(name, kind):
        what = "a job ID: at most 63" if kind == "Job" else "at most 253"
        result.problems.append(
            Problem(
                file,
                locate(("metadata", "name")),
                f"metadata.name must be {what} lowercase letters, digits and '-' "
                "(starting and ending with a letter or digit)",
            )
        )
        return None, None
    if namespace is not None and not (isinstance(namespace, str) and is_dns_label(namespace)):
        result.problems.append(
            Problem(file, locate(("metadata", "namespace")), "metadata.namespace is not valid")
        )
        return None, None
    return name, namespace


def _valid_name(name: str, kind: Any) -> bool:
    if kind == "Job":
        return is_dns_label(name)
    return len(name) <= 253 and all(is_dns_label(part) for part in name.split("."))


def _validate(
    model: type[BaseModel],
    document: ParsedDocument,
    file: str,
    prefix: DataPath,
    result: LoadResult,
    *,
    context: dict[str, Any] | None = None,
) -> Any:
    data: Any = document.data
    for part in prefix:
        data = data[part]
    if not isinstance(data, dict):
        what = "a job file must hold one JSON object"
        result.problems.append(Problem(file, document.positions.locate(prefix), what))
        return None
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        result.problems += problems_from_validation(
            exc,
            file=file,
            data=data,
            positions=document.positions,
            model=model,
            prefix=prefix,
        )
        return None


def _id_mismatch(
    file: str, document: ParsedDocument, path: DataPath, found: str, expected: str
) -> Problem:
    return Problem(
        file,
        document.positions.locate(path),
        f"id {found!r} does not match the name {expected!r} it is defined under; "
        f"change id to {expected!r} or remove it",
        path,
    )


def load_paths(
    paths: Sequence[str | Path],
    *,
    secret_references: bool = False,
    cache: dict[str, tuple[FileStamp, LoadResult]] | None = None,
) -> LoadResult:
    """Files and folders (recursively). Named files are validated whatever their kind; in
    folders, job files and ``intuned.io`` manifests are picked up and everything else is left.
    ``secret_references``: see ``load_manifest_text``. ``cache``: what the last call with it
    found in each folder file, kept by the caller; a file whose stamp is unchanged is not read
    again (files no longer found are dropped from it)."""
    result = LoadResult()
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in _walk(path):
                seen.add(str(file))
                result.merge(_load_folder_file(file, cache, secret_references))
        elif path.exists():
            result.merge(_load_file(path, explicit=True, secret_references=secret_references))
        else:
            result.problems.append(Problem(str(path), START, "no such file or directory"))
    if cache is not None:
        for gone in set(cache) - seen:
            del cache[gone]
    result.problems += _duplicate_jobs(result.jobs)
    return result


def _load_folder_file(
    file: Path, cache: dict[str, tuple[FileStamp, LoadResult]] | None, secret_references: bool
) -> LoadResult:
    stamp = file_stamp(file)
    known = None if cache is None or stamp is None else cache.get(str(file))
    if known is not None and known[0] == stamp:
        return known[1]
    loaded = _load_file(file, explicit=False, secret_references=secret_references)
    if cache is not None and stamp is not None:
        cache[str(file)] = (stamp, loaded)
    return loaded


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(JOB_FILE_SUFFIXES + AUTH_SESSION_SUFFIXES + MANIFEST_SUFFIXES):
                yield Path(root, name)


def _load_file(path: Path, *, explicit: bool, secret_references: bool) -> LoadResult:
    file = str(path)
    try:
        text = read_definition_file(path)
    except UnreadableFileError as exc:
        return _unreadable(file, str(exc))
    if path.name.endswith(MANIFEST_SUFFIXES):
        return load_manifest_text(
            text, file, only_ours=not explicit, secret_references=secret_references
        )
    if path.name.endswith(AUTH_SESSION_SUFFIXES):
        return load_auth_session_file_text(text, file)
    return load_job_file_text(text, file)


def _unreadable(file: str, message: str) -> LoadResult:
    return LoadResult(problems=[Problem(file, START, message)], files=1)


def _duplicate_jobs(jobs: list[LoadedJob]) -> list[Problem]:
    seen: dict[tuple[str | None, str], str] = {}
    problems = []
    for job in jobs:
        key = (job.namespace, job.job_id)
        if key in seen:
            problems.append(
                Problem(
                    job.file,
                    Position(1, 1),
                    f"job ID {job.job_id!r} is already defined in {seen[key]}; job IDs must be "
                    "unique, so rename one of the files",
                )
            )
        else:
            seen[key] = job.file
    return problems
