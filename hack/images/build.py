"""``make images``: the controller and worker images, built on this machine from Debian's archive
and PyPI, with podman and runc (no Docker daemon, no registry).

1. A Debian root filesystem, ``mmdebstrap --variant=minbase`` of bookworm (manual pages,
   documentation and translations left unpacked, as in Debian's slim images), imported as
   ``localhost/jobctl/debian:bookworm``. It is the pin: made once and kept, labelled with its
   Debian release and the SHA-256 of its package set (name, version, architecture per line);
   ``--rebase`` makes it again from today's archive.
2. The Dockerfiles' own steps on top (``podman build``), the same files a user builds with
   Docker or Buildah elsewhere: the controller image, the worker image without a project
   (``worker-base``) and with one (``--project``, the demo bookstore by default).

Each image's tag is the digest of its inputs (base, Dockerfile, jobctl's sources, the project):
run again with nothing changed, it builds nothing. It is also tagged ``latest``, and the
controller and worker images with the chart's default names too (``ghcr.io/jobctl/NAME:VERSION``,
as a node that pulled them would have them), so the chart installed with its defaults runs
them. ``.cache/images/images.json`` names the digest tags (the tests, the test cluster and
``make bench`` read it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "images"
MANIFEST = CACHE / "images.json"
BASE = "localhost/jobctl/debian:bookworm"
SUITE = "bookworm"
SOURCES = [
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
]
SLIM = [  # dpkg filters, kept in the image (/etc/dpkg/dpkg.cfg.d) for later installs too
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
]
CHART_IMAGES = "ghcr.io/jobctl/"
"""Where the chart's values say its images are (``image.repository``, ``worker.image``)."""
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
"""The host's trust store (a TLS-inspecting proxy's CA included), lent to pip and uv while
building; the images keep Debian's own."""
SOURCES_OF_JOBCTL = ["pyproject.toml", "README.md", "controller"]
KEPT_BUILDS = 3
"""Digest tags kept per repository (the current one included), for checkouts side by side."""
RUN_FLAGS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]
"""podman's default limits are above what this kernel lets a container set."""


def podman(*args: str, capture: bool = False) -> str:
    done = subprocess.run(
        ["podman", "--runtime", "runc", *args],
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def exists(image: str) -> bool:
    return subprocess.run(["podman", "image", "exists", image], check=False).returncode == 0


def label(image: str, name: str) -> str:
    return podman(
        "image", "inspect", "--format", f'{{{{index .Labels "{name}"}}}}', image, capture=True
    ).strip()


def digest_of(paths: list[Path], *extra: str) -> str:
    """The files' paths (relative to their root) and contents, in order, and ``extra``."""
    digest = hashlib.sha256("\n".join(extra).encode())
    for top in paths:
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(top.parent)).encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def build_base(rebase: bool) -> dict[str, str]:
    if rebase or not exists(BASE):
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            tarball, packages = Path(work) / "base.tar", Path(work) / "packages"
            list_packages = (
                "chroot \"$1\" dpkg-query -W -f '${Package} ${Version} ${Architecture}\\n'"
                f" | sort > {packages}"
            )
            print(
                f"images: a {SUITE} root filesystem from Debian's archive (mmdebstrap)", flush=True
            )
            subprocess.run(
                [
                    "mmdebstrap",
                    "--variant=minbase",
                    "--quiet",
                    *(f"--dpkgopt={rule}" for rule in SLIM),
                    f"--customize-hook={list_packages}",
                    SUITE,
                    str(tarball),
                    *SOURCES,
                ],
                check=True,
                stdin=subprocess.DEVNULL,
            )
            listing = packages.read_text()
            release = subprocess.run(
                ["tar", "-xOf", str(tarball), "./etc/debian_version"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            (CACHE / "base-packages.txt").write_text(listing)
            podman(
                "import",
                "--quiet",
                "--change",
                f"LABEL io.jobctl.base.debian-release={release}",
                "--change",
                "LABEL io.jobctl.base.packages-sha256="
                + hashlib.sha256(listing.encode()).hexdigest(),
                "--change",
                'CMD ["/bin/bash"]',
                str(tarball),
                BASE,
                capture=True,
            )
    return {
        "base": BASE,
        "debian_release": label(BASE, "io.jobctl.base.debian-release"),
        "packages_sha256": label(BASE, "io.jobctl.base.packages-sha256"),
    }


def build(
    dockerfile: str,
    repository: str,
    *,
    target: str | None = None,
    project: Path | None = None,
    chart_name: str | None = None,
) -> str:
    base_id = podman("image", "inspect", "--format", "{{.Id}}", BASE, capture=True).strip()
    inputs = [ROOT / "images" / dockerfile, *(ROOT / p for p in SOURCES_OF_JOBCTL)]
    inputs += [project] if project else []
    tag = f"{repository}:{digest_of(inputs, base_id, target or '')}"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    aliases = [f"{repository}:latest", *([f"{chart_name}:{version}"] if chart_name else [])]
    if not exists(tag):
        _build(dockerfile, tag, version, target=target, project=project)
    for alias in aliases:
        podman("tag", tag, alias)
    _forget_older(repository, tag)
    return tag


def _forget_older(repository: str, current: str) -> None:
    """Builds of older sources pile up (each a few hundred MB of its own): past the newest
    ``KEPT_BUILDS`` of a repository, their tags go, then the layers nothing uses."""
    listed = podman(
        "images",
        "--filter",
        f"reference={repository}",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        capture=True,
    ).split()  # newest first; an image's other names are listed too
    built = [
        name for name in listed if re.fullmatch(rf"{re.escape(repository)}:[0-9a-f]{{16}}", name)
    ]
    older = [name for name in built if name != current]
    if len(older) < KEPT_BUILDS:
        return
    for name in older[KEPT_BUILDS - 1 :]:
        podman("untag", name, name)  # this name only (alone, untag removes every name)
    podman("image", "prune", "--force", capture=True)


def _build(
    dockerfile: str, tag: str, version: str, *, target: str | None, project: Path | None
) -> None:
    print(f"images: building {tag}", flush=True)
    args = [
        "build",
        "--network",
        "host",
        *RUN_FLAGS,
        "--file",
        str(ROOT / "images" / dockerfile),
        "--build-arg",
        f"BASE={BASE}",
        "--label",
        f"org.opencontainers.image.version={version}",
        "--tag",
        tag,
    ]
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if revision:
        args += ["--label", f"org.opencontainers.image.revision={revision}"]
    if HOST_CA.is_file():
        mounted = "/run/jobctl-build-ca.crt"
        args += ["--volume", f"{HOST_CA}:{mounted}:ro"]
        args += ["--build-arg", f"PIP_CERT={mounted}", "--build-arg", f"SSL_CERT_FILE={mounted}"]
    if target:
        args += ["--target", target]
    if project:
        args += ["--build-context", f"project={project}"]
    podman(*args, str(ROOT), capture=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--project",
        type=Path,
        default=ROOT / "examples" / "bookstore",
        help="the automation project the worker image carries (default: the demo bookstore)",
    )
    parser.add_argument("--rebase", action="store_true", help="make the Debian base again")
    args = parser.parse_args()
    project = args.project.resolve()
    if not (project / "api").is_dir():
        print(
            f"images: {args.project}: not a project (no api/ folder); set PROJECT=path",
            file=sys.stderr,
        )
        return 2
    manifest = build_base(args.rebase)
    manifest["controller"] = build(
        "controller.Dockerfile",
        "localhost/jobctl/controller",
        chart_name=CHART_IMAGES + "controller",
    )
    manifest["worker-base"] = build(
        "worker.Dockerfile", "localhost/jobctl/worker-base", target="worker-base"
    )
    manifest["worker"] = build(
        "worker.Dockerfile",
        "localhost/jobctl/worker",
        project=project,
        chart_name=CHART_IMAGES + "worker",
    )
    manifest["project"] = str(project)
    CACHE.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    for name in ("controller", "worker-base", "worker"):
        size = int(
            podman("image", "inspect", "--format", "{{.Size}}", manifest[name], capture=True)
        )
        print(f"images: {manifest[name]}  {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
