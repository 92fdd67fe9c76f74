"""The size of the images ``make images`` builds: the worker image (Chromium, Playwright, jobctl's
worker and the demo project) against its target of 900 MB, with the controller image, the
worker image without a project and the Debian base beside it.

Sizes are podman's: the image's layers unpacked, in MB (10^6 bytes), what a node's disk holds
once it has pulled the image. The images are built first when ``.cache/images/images.json``
does not name them (``hack/images/build.py``, which builds nothing when nothing changed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".cache" / "images" / "images.json"
TARGET_MB = 900


def size_mb(image: str) -> float:
    size = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Size}}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return round(int(size) / 1e6, 1)


def run() -> dict[str, object]:
    subprocess.run(
        [sys.executable, str(ROOT / "hack" / "images" / "build.py")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    images = json.loads(MANIFEST.read_text())
    worker = size_mb(images["worker"])
    return {
        "benchmark": "worker_image_mb",
        "value": worker,
        "unit": "MB",
        "target": TARGET_MB,
        "controller_image_mb": size_mb(images["controller"]),
        "worker_base_mb": size_mb(images["worker-base"]),
        "debian_base_mb": size_mb(images["base"]),
        "debian_release": images["debian_release"],
        "packages_sha256": images["packages_sha256"],
    }


if __name__ == "__main__":
    print(json.dumps(run()))
