"""What a resources folder asks of a namespace, and how that differs from what is there. Pure:
documents and existing objects in, resource bodies and a plan out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..vocabulary import API_VERSION, COMMIT_ANNOTATION, PATH_ANNOTATION, SOURCE_LABEL

Action = Literal["created", "configured", "unchanged", "pruned"]
KINDS = {"jobs": "Job", "authsessions": "AuthSession"}
_EDITOR_ONLY_KEYS = ("$schema",)
OPERATIONAL_KEYS = ("suspend",)
"""Spec keys set at run time (by a person or the REST API), never by files: a file's version
of a resource keeps them, and they are no difference between the two."""


@dataclass(frozen=True)
class Desired:
    plural: str
    name: str
    spec: dict[str, Any]
    path: str
    """The file, relative to the repository (or the folder outside git)."""


@dataclass(frozen=True)
class Change:
    action: Action
    plural: str
    name: str

    def __str__(self) -> str:
        return f"{KINDS[self.plural].lower()}/{self.name} {self.action}"


def desired_resources(
    jobs: dict[str, tuple[dict[str, Any], str]], sessions: dict[str, tuple[dict[str, Any], str]]
) -> list[Desired]:
    """``jobs``/``sessions``: ID -> (the file's document, its path)."""
    return [
        Desired(
            plural, name, {k: v for k, v in document.items() if k not in _EDITOR_ONLY_KEYS}, path
        )
        for plural, documents in (("jobs", jobs), ("authsessions", sessions))
        for name, (document, path) in sorted(documents.items())
    ]


def resource_body(desired: Desired, namespace: str, commit: str | None) -> dict[str, Any]:
    annotations = {PATH_ANNOTATION: desired.path}
    if commit:
        annotations[COMMIT_ANNOTATION] = commit
    return {
        "apiVersion": API_VERSION,
        "kind": KINDS[desired.plural],
        "metadata": {
            "name": desired.name,
            "namespace": namespace,
            "labels": {SOURCE_LABEL: "code"},
            "annotations": annotations,
        },
        "spec": desired.spec,
    }


def plan(desired: list[Desired], existing: list[dict[str, Any]], *, prune: bool) -> list[Change]:
    """``existing``: the namespace's Jobs and AuthSessions (objects with ``kind``). A resource is
    ``unchanged`` when its spec and path are as the file says (a new commit alone is recorded
    but is no change); only ``code``-sourced resources without a file are pruned."""
    found = {(plural_of(o), o["metadata"]["name"]): o for o in existing}
    changes = []
    for item in desired:
        current = found.get((item.plural, item.name))
        if current is None:
            action: Action = "created"
        elif _defined(current) == item.spec and _path(current) == item.path and _is_code(current):
            action = "unchanged"
        else:
            action = "configured"
        changes.append(Change(action, item.plural, item.name))
    if prune:
        wanted = {(d.plural, d.name) for d in desired}
        changes += [
            Change("pruned", plural, name)
            for (plural, name), o in sorted(found.items())
            if (plural, name) not in wanted and _is_code(o)
        ]
    return changes


def plural_of(resource: dict[str, Any]) -> str:
    return {kind: plural for plural, kind in KINDS.items()}[resource["kind"]]


def _defined(resource: dict[str, Any]) -> dict[str, Any]:
    spec = resource.get("spec") or {}
    return {key: value for key, value in spec.items() if key not in OPERATIONAL_KEYS}


def _is_code(resource: dict[str, Any]) -> bool:
    return (resource["metadata"].get("labels") or {}).get(SOURCE_LABEL) == "code"


def _path(resource: dict[str, Any]) -> str | None:
    return (resource["metadata"].get("annotations") or {}).get(PATH_ANNOTATION)
