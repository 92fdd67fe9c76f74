"""Run every benchmark and print one JSON line each: benchmark, value, unit, target (+ detail)."""

from __future__ import annotations

import json
import sys

from . import schedules

BENCHMARKS = [schedules.run]


def main() -> int:
    for benchmark in BENCHMARKS:
        print(json.dumps(benchmark()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
