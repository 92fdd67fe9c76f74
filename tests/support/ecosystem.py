"""The GitOps ecosystem's own health evaluators, run on our resources' statuses.

``ecosystem-health`` (``hack/ecosystem``, built by ``make test``) computes what kstatus (Flux,
kubectl-style waits), Argo CD's Lua health checks (gopher-lua, as Argo CD runs them) and Flux's
``healthCheckExprs`` (cel-go, in Flux's evaluation order) say about an object.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CLUSTER_BIN", ROOT / ".cache" / "cluster" / "bin"))
EVALUATOR = BIN / "ecosystem-health"
ARGOCD = ROOT / "integrations" / "argocd" / "resource_customizations"
FLUX = ROOT / "integrations" / "flux" / "health-check-exprs.yaml"

VOLATILE_METADATA = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
    "finalizers",
    "annotations",
    "ownerReferences",
)


def evaluator() -> Path:
    assert EVALUATOR.exists(), f"{EVALUATOR} missing: run `make test-tools` (builds it with Go)"
    return EVALUATOR


def verdicts(objects: list[dict[str, Any]]) -> list[dict[str, dict[str, str]]]:
    """For each object: ``{"kstatus": {...}, "argocd": {...}, "flux": {...}}``, each a
    ``{"status", "message"}`` or an ``{"error"}``."""
    done = subprocess.run(
        [str(evaluator()), "eval", "--argocd", str(ARGOCD), "--flux", str(FLUX)],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def statuses(objects: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(kstatus, Argo CD, Flux) status of each object; an evaluator's error shows as itself."""
    found = []
    for verdict in verdicts(objects):
        kstatus, argocd, flux = (
            verdict[tool].get("status") or f"error: {verdict[tool].get('error')}"
            for tool in ("kstatus", "argocd", "flux")
        )
        found.append((kstatus, argocd, flux))
    return found


def captured(resource: dict[str, Any]) -> dict[str, Any]:
    """The object as a test fixture: what the health checks read, without server bookkeeping."""
    metadata = {k: v for k, v in resource["metadata"].items() if k not in VOLATILE_METADATA}
    return {**resource, "metadata": metadata}
