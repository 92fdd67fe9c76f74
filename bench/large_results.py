"""The controller's memory for a 64 MiB result: what it adds to the peak of a ``jobctl run``
whose one Run returns a tiny result, in bytes per byte of the result's JSON.

``jobctl run --until-idle`` runs a one-item Job in a real Chromium worker three times: a tiny
result (the baseline), 64 MiB of one string, and 64 MiB of 32 million numbers (which, read into
objects, would be a 256 MiB list). The peak is the controller process's own (``VmHWM``, polled:
workers are processes of their own). A result held once costs about 1 byte per byte; the target
is at most 1.25 for both shapes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from controller.vocabulary import MAX_RESULT_BYTES

TARGET = 1.25
SHAPED = """
async def automation(page, params, **_kwargs):
    if params["shape"] == "string":
        return "x" * (params["bytes"] - 2)
    return [0] * ((params["bytes"] - 1) // 2)
"""
JOBCTL = Path(sys.executable).with_name("jobctl")


def _peak_kib(root: Path, shape: str, size: int) -> int:
    """The controller's peak resident memory for one Run returning ``size`` bytes of JSON."""
    jobs = root / "resources" / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    item = {"apiName": "shaped", "parameters": {"shape": shape, "bytes": size}}
    (jobs / "shaped.job.json").write_text(json.dumps({"payload": [item]}))
    state = root / f"state-{shape}-{size}"
    command = [str(JOBCTL), "run", "--resources", str(root / "resources"), "--state", str(state)]
    command += ["--project", str(root / "project"), "--trigger", "shaped", "--until-idle"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _high_water_kib(process.pid))
        time.sleep(0.02)
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0 or "COMPLETED: 1 succeeded" not in output:
        raise RuntimeError(f"the {shape} run did not succeed:\n{output[-2000:]}")
    line = next((state / "results" / "shaped").glob("*.jsonl")).stat().st_size
    if line < size:
        raise RuntimeError(f"the {shape} result's line is {line:,} bytes, under {size:,}")
    return peak


def _high_water_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run() -> dict[str, Any]:
    size = MAX_RESULT_BYTES - 4096  # the line's other fields fit in the limit's last bytes
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "project" / "api").mkdir(parents=True)
        (root / "project" / "api" / "shaped.py").write_text(SHAPED)
        baseline = _peak_kib(root, "string", 64)
        added = {
            shape: (_peak_kib(root, shape, size) - baseline) * 1024 / size
            for shape in ("string", "numbers")
        }
    return {
        "benchmark": "result_memory_per_byte",
        "value": round(max(added.values()), 3),
        "unit": "bytes/byte",
        "target": TARGET,
        "result_bytes": size,
        "baseline_peak_mb": round(baseline / 1024),
        "one_string": round(added["string"], 3),
        "many_numbers": round(added["numbers"], 3),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    print(json.dumps(run()), flush=True)
