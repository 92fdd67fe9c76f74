"""Render ``integrations/argocd/argocd-cm.yaml``: our Argo CD health checks (the Lua scripts under
``integrations/argocd/resource_customizations``) as the ``argocd-cm`` keys Argo CD reads them from
(``resource.customizations.health.<group>_<kind>``). ``--check`` fails when the file is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CUSTOMIZATIONS = ROOT / "integrations" / "argocd" / "resource_customizations"
TARGET = ROOT / "integrations" / "argocd" / "argocd-cm.yaml"
HEADER = """\
# Argo CD health checks for jobctl's Job, JobRun and AuthSession resources. Merge into Argo CD's
# argocd-cm ConfigMap, e.g.:
#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file argocd-cm.yaml
# Generated from resource_customizations/ by `make argocd-cm`; do not edit by hand.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/part-of: argocd
data:
"""


def render() -> str:
    parts = [HEADER]
    for script in sorted(CUSTOMIZATIONS.glob("*/*/health.lua")):
        group, kind = script.parent.parent.name, script.parent.name
        body = "".join(
            f"    {line}\n" if line else "\n" for line in script.read_text().splitlines()
        )
        parts.append(f"  resource.customizations.health.{group}_{kind}: |\n{body}")
    return "".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `make argocd-cm`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"{TARGET.relative_to(ROOT)}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
