"""In-cluster repo sync: a resources folder (kept current by a git-sync sidecar) as resources.

Each valid ``*.job.jsonc`` / ``*.auth-session.jsonc`` becomes a Job / AuthSession labelled
``intuned.io/source: code`` and annotated with its path and the commit that last changed it.
The files are the truth: a resource whose spec differs from its file (someone edited it) is
replaced by the file's version, and a ``code`` resource whose file is gone is deleted. A file
that is invalid keeps its resource at the last good version (nothing is deleted or replaced for
it) and its problem is reported on that Job (``SpecError``, an Event, a log line).

A pass runs at start, on every change under the watched root (git-sync swaps a symlink, so the
root to watch is the folder holding the link, not the link's target), when a ``code`` resource
changes (the operator asks for a pass; a pass that finds nothing to do writes nothing, so this
cannot loop), and every ``RESYNC_S`` as a safety net. A failed pass is logged and retried on the
next trigger; it never stops the operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import watchfiles
from kubernetes.client import CustomObjectsApi
from kubernetes.client.rest import ApiException

from ..gitops import OPERATIONAL_KEYS, Desired, plan, plural_of, resource_body
from ..gitops.apply import (
    commit_of,
    desired_from,
    existing_resources,
    repository_path,
    repository_root,
)
from ..spec import Problem, load_paths
from ..spec.loader import AUTH_SESSION_SUFFIXES, JOB_FILE_SUFFIXES
from ..vocabulary import GROUP, VERSION

RESYNC_S = 60.0
SETTLE_S = 0.2
"""A burst of events (a checkout writes many files) becomes one pass."""
WATCH_SETUP_S = 1.0
RETRY_TERMINATING_S = 2.0
"""A resource being deleted (finalizers pending) is neither written nor deleted again; a file
that wants it back is looked at again after this long."""

FileProblems = Callable[[dict[str, str]], None]
"""Receives Job ID -> problem for every job file that is currently invalid."""


class RepoSync:
    def __init__(
        self,
        folder: Path,
        *,
        watch_root: Path | None,
        custom: CustomObjectsApi,
        namespace: str,
        say: Callable[[str], None],
        file_problems: FileProblems,
    ) -> None:
        self.folder = folder
        self.watch_root = watch_root or folder
        self.custom = custom
        self.namespace = namespace
        self.say = say
        self.file_problems = file_problems
        self.wanted = asyncio.Event()
        self.reported: set[str] = set()

    def request(self) -> None:
        self.wanted.set()

    async def run(self) -> None:
        """Passes until cancelled: one at once, then one per trigger (or ``RESYNC_S``)."""
        watcher = asyncio.create_task(self._watch())
        try:
            await self._pass()
            await asyncio.sleep(WATCH_SETUP_S)  # changes made while the watch was being set up
            while True:
                await self._pass()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wanted.wait(), RESYNC_S)
                await asyncio.sleep(SETTLE_S)
                self.wanted.clear()
        finally:
            watcher.cancel()

    async def _watch(self) -> None:
        while True:
            try:
                async for _changes in watchfiles.awatch(self.watch_root, debounce=100, step=50):
                    self.request()
            except FileNotFoundError:  # git-sync has not cloned yet
                await asyncio.sleep(1)

    async def _pass(self) -> None:
        try:
            await self.sync()
        except Exception as exc:  # the operator keeps running; the next trigger retries
            self.say(f"repo sync: pass failed: {type(exc).__name__}: {exc}")

    async def sync(self) -> None:
        """One pass: the resources follow the files.

        The folder is resolved once, so a pass reads one checkout even if git-sync swaps its link
        meanwhile. A folder that does not exist is not an empty one: before git-sync's first
        clone (an operator restarted with a fresh volume) nothing is deleted."""
        folder = self.folder.resolve()
        if not folder.is_dir():
            self._report(
                {
                    f"repo sync: {self.folder} does not exist (yet): nothing is created or "
                    "deleted until it does; check the git-sync container"
                }
            )
            return
        result = await asyncio.to_thread(load_paths, [folder])
        root = await asyncio.to_thread(repository_root, folder)
        broken = _broken_ids(
            [dataclasses.replace(p, file=repository_path(p.file, root)) for p in result.problems]
        )
        self.file_problems(broken.get("jobs", {}))
        problems = {problem for by_name in broken.values() for problem in by_name.values()}
        self._report({f"repo sync: invalid: {problem}" for problem in problems})
        desired = desired_from(result, root)
        commit = await asyncio.to_thread(commit_of, folder)
        existing = await asyncio.to_thread(existing_resources, self.custom, self.namespace)
        by_key = {(d.plural, d.name): d for d in desired}
        current = {(plural_of(o), o["metadata"]["name"]): o for o in existing}
        terminating = {
            (plural_of(o), o["metadata"]["name"])
            for o in existing
            if o["metadata"].get("deletionTimestamp")
        }
        for change in plan(desired, existing, prune=True):
            key = (change.plural, change.name)
            if key in terminating:
                if change.action != "pruned":
                    asyncio.get_running_loop().call_later(RETRY_TERMINATING_S, self.request)
            elif change.action == "pruned":
                if change.name not in broken.get(change.plural, {}):
                    await self._call(
                        self.custom.delete_namespaced_custom_object,
                        GROUP,
                        VERSION,
                        self.namespace,
                        change.plural,
                        change.name,
                    )
                    self.say(f"repo sync: {change}")
            elif change.action != "unchanged":
                await self._write(by_key[key], current.get(key), commit)
                self.say(f"repo sync: {change}")

    def _report(self, lines: set[str]) -> None:
        """Says each line once while it holds, not at every pass."""
        for line in sorted(lines - self.reported):
            self.say(line)
        self.reported = lines

    async def _write(
        self, item: Desired, current: dict[str, Any] | None, commit: str | None
    ) -> None:
        """Create, or replace the whole spec (a hand-added field goes too); a conflict (someone
        wrote meanwhile) is left to the pass that their write triggers."""
        body = resource_body(item, self.namespace, commit)
        if current is None:
            await self._call(
                self.custom.create_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                item.plural,
                body,
            )
            return
        metadata = current["metadata"]
        kept = {k: v for k, v in (current.get("spec") or {}).items() if k in OPERATIONAL_KEYS}
        body["spec"] = {**body["spec"], **kept}
        body["metadata"] = {
            **body["metadata"],
            "resourceVersion": metadata["resourceVersion"],
            "labels": {**(metadata.get("labels") or {}), **body["metadata"]["labels"]},
            "annotations": {
                **(metadata.get("annotations") or {}),
                **body["metadata"]["annotations"],
            },
        }
        if metadata.get("finalizers"):
            body["metadata"]["finalizers"] = metadata["finalizers"]
        await self._call(
            self.custom.replace_namespaced_custom_object,
            GROUP,
            VERSION,
            self.namespace,
            item.plural,
            item.name,
            body,
        )

    async def _call(self, method: Callable[..., Any], *args: Any) -> None:
        try:
            await asyncio.to_thread(method, *args)
        except ApiException as exc:
            if exc.status in (404, 409):
                self.request()  # gone or changed meanwhile: look again
                return
            raise


def _broken_ids(problems: list[Problem]) -> dict[str, dict[str, str]]:
    """plural -> resource name -> the first problem of its file."""
    broken: dict[str, dict[str, str]] = {}
    for problem in problems:
        name = Path(problem.file).name
        for plural, suffixes in (
            ("jobs", JOB_FILE_SUFFIXES),
            ("authsessions", AUTH_SESSION_SUFFIXES),
        ):
            suffix = next((s for s in suffixes if name.endswith(s)), None)
            if suffix is not None:
                broken.setdefault(plural, {}).setdefault(name[: -len(suffix)], str(problem))
    return broken
