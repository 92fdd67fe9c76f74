"""Run the chaos scenarios and print one JSON line each: ``{"chaos": NAME, "faults": N, "runs": N,
"lost": N, "duplicated_results": N, "recovered_s": X, ..., "ok": BOOL}``; scenarios that kill a
controller also say ``runs_run_twice`` (Runs launched again after a kill,
``harness.count_runs_run_twice``). Exit 1 when any scenario lost, duplicated or failed a Run,
left a process behind, or could not run. A failed scenario keeps its folder (logs, state) and
names it.

``--short`` runs each scenario small (a few faults, tens of items): what ``make test`` runs to
keep the suite working; the full sizes are what the figures are quoted from.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from . import cluster, embedded, replicas
from .harness import Report

Scenario = Callable[[Path, bool], Report]
SCENARIOS: dict[str, Scenario] = {
    "sigkill-jobctl-run": embedded.controller_sigkill,
    "kill-near-end-then-trigger": embedded.kill_near_end_then_trigger,
    "webhook-down": embedded.webhook_outage,
    "s3-down": embedded.s3_outage,
    "volume-full": embedded.volume_full,
    "chromium-killed": embedded.chromium_killed,
    "failover-postgresql": replicas.replicas_failover,
    "sigkill-operator": cluster.operator_sigkill,
    "apiserver-restart": cluster.apiserver_restart,
    "etcd-restart": cluster.etcd_restart,
    "crds-deleted": cluster.crds_deleted,
}


def run(name: str, short: bool) -> Report:
    root = Path(tempfile.mkdtemp(prefix=f"jobctl-chaos-{name}-"))
    try:
        report = SCENARIOS[name](root, short)
    except Exception as exc:  # the suite goes on to the next scenario and says what broke
        report = Report(name)
        report.details["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    if report.ok:
        shutil.rmtree(root, ignore_errors=True)
    else:
        report.details["kept"] = str(root)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"default: all ({', '.join(SCENARIOS)})"
    )
    parser.add_argument("--short", action="store_true", help="small sizes, few faults")
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    failed = 0
    for name in args.scenarios or SCENARIOS:
        report = run(name, args.short)
        print(report.line(), flush=True)
        failed += not report.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
