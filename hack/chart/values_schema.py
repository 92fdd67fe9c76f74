"""Generate charts/jobctl/values.schema.json from values.yaml (``make chart-schema``).

The schema follows the values file: each key's type is its default's type, objects with keys
reject unknown ones (a typo in a values file fails ``helm install`` instead of being ignored),
and empty objects (resources, nodeSelector, ...) stay free-form. Each key's description is the
comment block right above it, and a key without one is an error: every value is documented.

``--check`` writes nothing and exits 1 when the checked-in schema is out of date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from controller.vocabulary import WORKER_MODES

CHART = Path(__file__).resolve().parents[2] / "charts" / "jobctl"
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z][A-Za-z0-9]*):")
_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


class UndocumentedError(Exception):
    pass


def descriptions(text: str) -> dict[tuple[str, ...], str]:
    """Key path -> the comment lines just above that key."""
    found: dict[tuple[str, ...], str] = {}
    stack: list[tuple[int, str]] = []
    comment: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
            continue
        match = _KEY.match(line)
        if match is None:
            comment = []
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        found[tuple(key for _, key in stack)] = " ".join(comment)
        comment = []
    return found


FREE_FORM = {"resources", "nodeSelector", "affinity", "podAnnotations"}
"""Kubernetes' own structures: any keys allowed (their examples in values.yaml are defaults)."""
CONSTRAINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("worker", "mode"): {"enum": list(WORKER_MODES)},
    ("worker", "pool", "minimum"): {"minimum": 0},
    ("worker", "pool", "maximum"): {"minimum": 1},
    ("worker", "pool", "idleTimeoutSeconds"): {"minimum": 0},
    ("worker", "pool", "attemptsPerPod"): {"minimum": 1},
}
"""What a value's type does not say: the operator's flags refuse anything else at start."""


def schema_for(
    value: Any, path: tuple[str, ...], docs: dict[tuple[str, ...], str]
) -> dict[str, Any]:
    node: dict[str, Any]
    if isinstance(value, dict) and path and path[-1] in FREE_FORM:
        node = {"type": "object"}
    elif isinstance(value, dict) and value:
        node = {"type": "object", "additionalProperties": False, "properties": {}}
        for key, item in value.items():
            node["properties"][key] = schema_for(item, (*path, key), docs)
    elif isinstance(value, dict):
        node = {"type": "object"}
    elif isinstance(value, list):
        node = {"type": "array"}
    else:
        node = {"type": _TYPES[type(value)]}
    node.update(CONSTRAINTS.get(path, {}))
    if path:
        if not docs.get(path):
            raise UndocumentedError(f"values.yaml: {'.'.join(path)} has no comment above it")
        node["description"] = docs[path]
    return node


def generate() -> dict[str, Any]:
    text = (CHART / "values.yaml").read_text()
    root = schema_for(yaml.safe_load(text), (), descriptions(text))
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "jobctl chart values",
        **root,
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    try:
        text = render(generate())
    except UndocumentedError as exc:
        print(exc, file=sys.stderr)
        return 1
    target = CHART / "values.schema.json"
    if args.check:
        if not target.exists() or target.read_text() != text:
            print(f"{target} is out of date; run `make chart-schema`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
