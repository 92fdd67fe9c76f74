"""The resources folder as a set of Job definitions that changes over time.

A reload compares what the folder holds now with what was loaded before. A file that is present
but broken keeps its Job at the last valid version (and its problems are reported); only a file
that is gone removes its Job. This is what lets someone save a half-edited file without
interrupting a running schedule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ..spec import (
    AuthSessionDefinition,
    FileStamp,
    JobDefinition,
    LoadResult,
    Problem,
    load_paths,
)


@dataclass
class Reload:
    changed: dict[str, JobDefinition] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Jobs whose file is broken; they keep running at their last valid version."""
    auth_sessions_changed: dict[str, AuthSessionDefinition] = field(default_factory=dict)
    auth_sessions_removed: list[str] = field(default_factory=list)


class ResourceSet:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.jobs: dict[str, JobDefinition] = {}
        self.auth_sessions: dict[str, AuthSessionDefinition] = {}
        """AuthSessions by ID; like Jobs, a broken file keeps its last valid version."""
        self._files: dict[str, str] = {}
        self._session_files: dict[str, str] = {}
        self.broken_files: set[str] = set()
        """Files the last reload found a problem in."""
        self._cache: dict[str, tuple[FileStamp, LoadResult]] = {}
        """What each file held when last read: unchanged files are not parsed again."""

    def file_of(self, job_id: str) -> str | None:
        """The job file that defines the Job (as found under the resources folder)."""
        return self._files.get(job_id)

    def reload(self) -> Reload:
        """What changed since the last reload. It may run off the event loop: the returned
        ``Reload`` carries every definition it reports, so applying it later reads nothing
        here, and the loop's single lookups in ``jobs`` meanwhile are safe."""
        result = load_paths([self.root], cache=self._cache)
        for file, (stamp, cached) in self._cache.items():
            self._cache[file] = (stamp, _definitions_only(cached))
        reload = Reload(problems=result.problems)
        broken_files = self.broken_files = {p.file for p in result.problems}
        seen = set()
        for job in result.jobs:
            seen.add(job.job_id)
            self._files[job.job_id] = job.file
            if self.jobs.get(job.job_id) != job.definition:
                self.jobs[job.job_id] = job.definition
                reload.changed[job.job_id] = job.definition
        for job_id in [j for j in self.jobs if j not in seen]:
            if self._files[job_id] in broken_files and Path(self._files[job_id]).exists():
                reload.kept.append(job_id)
                continue
            del self.jobs[job_id]
            del self._files[job_id]
            reload.removed.append(job_id)
        sessions = {s.session_id: s for s in result.auth_sessions}
        for session_id, loaded in sessions.items():
            self._session_files[session_id] = loaded.file
            if self.auth_sessions.get(session_id) != loaded.definition:
                self.auth_sessions[session_id] = loaded.definition
                reload.auth_sessions_changed[session_id] = loaded.definition
        for session_id in [s for s in self.auth_sessions if s not in sessions]:
            file = self._session_files[session_id]
            if file not in broken_files or not Path(file).exists():
                del self.auth_sessions[session_id]
                del self._session_files[session_id]
                reload.auth_sessions_removed.append(session_id)
        return reload


def _definitions_only(loaded: LoadResult) -> LoadResult:
    """What the cache keeps of a file: the documents definitions were validated from are for
    ``jobctl apply``, not for a running controller (a 100,000-item job file's would double its
    memory)."""
    if not any(j.document for j in loaded.jobs) and not any(
        s.document for s in loaded.auth_sessions
    ):
        return loaded
    return dataclasses.replace(
        loaded,
        jobs=[dataclasses.replace(j, document={}) for j in loaded.jobs],
        auth_sessions=[dataclasses.replace(s, document={}) for s in loaded.auth_sessions],
    )
