"""A Pod's container as a real container: the ``podman run`` a kubelet's runtime would amount to.

The kubelet harness uses it for Pods whose image is in this machine's image store (``make
images``); other Pods stay local processes. What the Pod's spec says is what the container gets:
its command and arguments (``command`` replaces the image's entrypoint, ``args`` its command),
environment, user and groups (``runAsUser``, ``runAsGroup``, ``fsGroup``), a read-only root
filesystem with no writable folder but its volumes, dropped and added capabilities, no privilege
escalation, memory and CPU limits, and its volumes: ``emptyDir`` as a folder of its own
(``medium: Memory`` as a tmpfs of the size limit), a ``persistentVolumeClaim`` as a folder per
claim that outlives the Pod (a node-local provisioner's volume), and the projected
ServiceAccount token that the apiserver's admission adds (``kube-api-access-*``: a token, the
cluster's CA, the namespace).

Every Pod shares the node's network (the node is 127.0.0.1), so a Service's name resolves to
127.0.0.1 (an ``/etc/hosts`` entry per name form) and works where its port is the container's
port, as the chart's are. A volume of any other kind is refused: the Pod fails with a reason
that says so, instead of running without it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_FLAGS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]
"""podman's default limits are above what this kernel lets a container set."""


class UnsupportedPodError(Exception):
    """What the harness cannot give this Pod; the Pod fails with the message."""


@dataclass(frozen=True)
class ServiceAccountToken:
    token: str
    ca: bytes
    namespace: str


def container_name(namespace: str, pod: str, uid: str) -> str:
    return f"harness-{namespace}-{pod}-{uid[:8]}"[:120]


def quantity_bytes(text: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(float(text))


def quantity_cpus(text: str) -> float:
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def run_command(
    pod: dict[str, Any],
    *,
    env: dict[str, str],
    sandbox: Path,
    claims: Path,
    services: list[str],
    token: ServiceAccountToken | None,
) -> list[str]:
    """``podman run`` for the Pod's first container. ``pod`` is the Pod as the API returns it
    (camelCase), ``env`` its container's environment resolved, ``sandbox`` a fresh folder of
    this Pod's (its emptyDirs live there), ``claims`` where claims' volumes live, ``services``
    the names of its namespace's Services."""
    spec = pod["spec"]
    metadata = pod["metadata"]
    container = spec["containers"][0]
    pod_security = spec.get("securityContext") or {}
    security = {**pod_security, **(container.get("securityContext") or {})}
    user, group = security.get("runAsUser"), security.get("runAsGroup")
    owner = (user or 0, group if group is not None else pod_security.get("fsGroup", user or 0))
    args = [
        "run",
        "--rm",
        "--name",
        container_name(metadata["namespace"], metadata["name"], metadata["uid"]),
        "--network",
        "host",
        "--hostname",
        metadata["name"],
        *RUN_FLAGS,
    ]
    if user is not None:
        args += ["--user", f"{user}:{group}" if group is not None else str(user)]
    if pod_security.get("fsGroup") is not None:
        args += ["--group-add", str(pod_security["fsGroup"])]
    if security.get("readOnlyRootFilesystem"):
        args += ["--read-only", "--read-only-tmpfs=false"]
    capabilities = security.get("capabilities") or {}
    for dropped in capabilities.get("drop") or []:
        args += ["--cap-drop", dropped.lower()]
    for added in capabilities.get("add") or []:
        args += ["--cap-add", added.lower()]
    if security.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    limits = (container.get("resources") or {}).get("limits") or {}
    if "memory" in limits:
        args += ["--memory", str(quantity_bytes(str(limits["memory"])))]
    if "cpu" in limits:
        args += ["--cpus", str(quantity_cpus(str(limits["cpu"])))]
    for name in services:
        for form in (
            name,
            f"{name}.{metadata['namespace']}",
            f"{name}.{metadata['namespace']}.svc",
        ):
            args += [
                "--add-host",
                f"{form}:127.0.0.1",
                "--add-host",
                f"{form}.cluster.local:127.0.0.1",
            ]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    volumes = Volumes(sandbox, claims / metadata["namespace"], owner, token)
    args += volumes.mounts(spec, container)
    if container.get("workingDir"):
        args += ["--workdir", container["workingDir"]]
    if container.get("command"):
        args += ["--entrypoint", json.dumps(container["command"])]
    return [*args, container["image"], *(container.get("args") or [])]


@dataclass(frozen=True)
class Volumes:
    sandbox: Path
    claims: Path
    owner: tuple[int, int]
    """Who owns a new folder (the Pod's user and ``fsGroup``), as a kubelet sets a volume's."""
    token: ServiceAccountToken | None

    def mounts(self, spec: dict[str, Any], container: dict[str, Any]) -> list[str]:
        volumes = {volume["name"]: volume for volume in spec.get("volumes") or []}
        args: list[str] = []
        for mount in container.get("volumeMounts") or []:
            volume = volumes.get(mount["name"]) or {}
            target = f"destination={mount['mountPath']}" + (",ro" if mount.get("readOnly") else "")
            if "emptyDir" in volume and (volume["emptyDir"] or {}).get("medium") == "Memory":
                size = quantity_bytes(str(volume["emptyDir"].get("sizeLimit") or "64Mi"))
                args += ["--mount", f"type=tmpfs,{target},tmpfs-size={size},tmpfs-mode=1777"]
            elif "emptyDir" in volume:
                folder = self._folder(self.sandbox / "volumes" / mount["name"])
                args += ["--mount", f"type=bind,source={folder},{target}"]
            elif "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                args += [
                    "--mount",
                    f"type=bind,source={self._folder(self.claims / claim)},{target}",
                ]
            elif needs_token(volume) and self.token is not None:
                folder = _token_folder(self.sandbox / "serviceaccount", self.token)
                args += ["--mount", f"type=bind,source={folder},{target}"]
            else:
                kinds = sorted(k for k in volume if k != "name")
                raise UnsupportedPodError(
                    f"volume {mount['name']!r} ({', '.join(kinds) or 'undefined'}): the harness "
                    "mounts emptyDir and persistentVolumeClaim volumes and the ServiceAccount "
                    "token only"
                )
        return args

    def _folder(self, folder: Path) -> Path:
        if not folder.exists():
            folder.mkdir(parents=True)
            os.chown(folder, *self.owner)
        return folder


def needs_token(volume: dict[str, Any]) -> bool:
    """A projected volume with a ServiceAccount token in it (what admission adds)."""
    sources = (volume.get("projected") or {}).get("sources") or []
    return any("serviceAccountToken" in source for source in sources)


def _token_folder(folder: Path, token: ServiceAccountToken) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "token").write_text(token.token)
    (folder / "ca.crt").write_bytes(token.ca)
    (folder / "namespace").write_text(token.namespace)
    for file in folder.iterdir():
        file.chmod(0o644)
    folder.chmod(0o755)
    return folder
