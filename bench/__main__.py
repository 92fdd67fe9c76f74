"""Run every benchmark, each in a fresh process (so peak-memory figures are its own), and print
one JSON line each: benchmark, value, unit, target, plus detail fields."""

from __future__ import annotations

import json
import subprocess
import sys

BENCHMARKS = [
    "bench.schedules",
    "bench.engine_throughput",
    "bench.engine_million_runs",
    "bench.browser_throughput",
    "bench.browser_vs_crawlee",
    "bench.browser_isolation_levels",
    "bench.kube_throughput",
    "bench.webhook_delivery",
    "bench.large_results",
    "bench.postgresql",
    "bench.images",
]


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        done = subprocess.run(
            [sys.executable, "-m", module], capture_output=True, text=True, check=False
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            failed += 1
            error = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(json.dumps({"benchmark": module, "error": error}), flush=True)
            continue
        for line in lines:
            print(json.dumps(json.loads(line)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
