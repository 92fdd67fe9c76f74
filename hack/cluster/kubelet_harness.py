"""Plays scheduler and kubelet for the test control plane, so that Pods really run.

A Pod whose image is in this machine's image store (``make images``) runs as a container, with
podman and runc, as its spec says (``containers.py``: user, read-only root, capabilities,
limits, emptyDir volumes, the ServiceAccount token). Any other Pod's (single) container command
runs as a local process, which is quicker (``python`` means this repository's virtualenv, or the
interpreter ``HARNESS_IMAGES_FILE`` maps the Pod's image to: an image that carries a project's
environment), with the container's environment (literal values, Secret and field references
resolved; ``HOSTNAME`` the Pod's name as a kubelet sets it, ``HARNESS_POD`` its namespace and
name, so tests can find its process) and the repository as working directory. The harness
binds pending Pods to its Node, writes the phase, container state and exit code back, stops the
process or container when the Pod is deleted and then confirms the deletion, as a kubelet does.
It also creates each namespace's ``default`` ServiceAccount (the controller-manager's job, which
this control plane does not run).

Deliberately small: one container per Pod, no probes, no restarts (a Deployment's Pod that ended
is replaced: ``deployments.py`` plays the Deployment controller); a process gets no volumes and
no resource limits. A Pod can start late, as on a real node (container creation from a warm
image): the seconds in ``HARNESS_START_DELAY_FILE``, read per Pod, pass before it starts.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from containers import ServiceAccountToken, UnsupportedPodError, needs_token, run_command
from deployments import Deployments
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

ROOT = Path(__file__).resolve().parents[2]
NODE = "jobctl-harness"
LOGS = Path(os.environ["HARNESS_LOGS"])
START_DELAY = Path(os.environ.get("HARNESS_START_DELAY_FILE", "/nonexistent"))
IMAGES = Path(os.environ.get("HARNESS_IMAGES_FILE", "/nonexistent"))
"""JSON: image -> the ``python`` that image would run (read per Pod)."""
"""The cluster's own folder (``cluster.py`` passes it): Pods' output, ``kubectl logs``-style."""


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _image_is_local(image: str) -> bool:
    if shutil.which("podman") is None:
        return False
    exists = subprocess.run(["podman", "image", "exists", image], capture_output=True, check=False)
    return exists.returncode == 0


def image_python(image: str) -> str:
    try:
        images = json.loads(IMAGES.read_text())
    except (OSError, ValueError):
        images = {}
    return str(images.get(image, sys.executable))


class Harness:
    def __init__(self) -> None:
        config.load_kube_config()
        self.api = client.ApiClient()
        self.core = client.CoreV1Api(self.api)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.containers: dict[str, str] = {}
        """Pods run as containers: their container's name."""
        self.starting: set[str] = set()
        self.lock = threading.Lock()
        LOGS.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------- node
    def register_node(self) -> None:
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": NODE, "labels": {"kubernetes.io/hostname": NODE}},
        }
        with contextlib.suppress(ApiException):
            self.core.create_node(node)
        status = {
            "status": {
                "capacity": {"cpu": "64", "memory": "256Gi", "pods": "1000"},
                "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "1000"},
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "HarnessReady",
                        "lastHeartbeatTime": now(),
                        "lastTransitionTime": now(),
                    }
                ],
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            }
        }
        self.core.patch_node_status(NODE, status)

    # --------------------------------------------------------- service accounts
    def default_service_accounts(self) -> None:
        stream = watch.Watch().stream(self.core.list_namespace, timeout_seconds=0)
        for event in stream:
            namespace = event["object"].metadata.name
            if event["type"] == "ADDED":
                body = {"metadata": {"name": "default"}}
                with contextlib.suppress(ApiException):
                    self.core.create_namespaced_service_account(namespace, body)

    # ------------------------------------------------------------------- pods
    def run(self) -> None:
        self.register_node()
        threading.Thread(target=self.default_service_accounts, daemon=True).start()
        threading.Thread(target=Deployments().run, daemon=True).start()
        while True:
            try:
                self.watch_pods()
            except Exception as exc:  # a dropped watch: start again
                print(f"harness: watch ended ({type(exc).__name__}: {exc}); restarting", flush=True)
                time.sleep(1)

    def watch_pods(self) -> None:
        listing = self.core.list_pod_for_all_namespaces()
        for pod in listing.items:
            self.reconcile(pod)
        stream = watch.Watch().stream(
            self.core.list_pod_for_all_namespaces,
            resource_version=listing.metadata.resource_version,
            timeout_seconds=300,
        )
        for event in stream:
            if event["type"] != "DELETED":
                self.reconcile(event["object"])

    def reconcile(self, pod: Any) -> None:
        key = f"{pod.metadata.namespace}/{pod.metadata.name}"
        if pod.spec.node_name is None:
            self.bind(pod)
            return
        if pod.spec.node_name != NODE:
            return
        if pod.metadata.deletion_timestamp is not None:
            self.stop(pod, key)
            return
        with self.lock:
            started = key in self.processes or key in self.starting
            if pod.status.phase == "Pending" and not started:
                self.starting.add(key)
        if pod.status.phase == "Pending" and not started:
            threading.Thread(target=self.start_late, args=(pod, key), daemon=True).start()

    def start_late(self, pod: Any, key: str) -> None:
        """After the configured start delay, unless the Pod was deleted meanwhile."""
        try:
            delay = float(START_DELAY.read_text() or 0)
        except (OSError, ValueError):
            delay = 0.0
        time.sleep(delay)
        try:
            current = self.core.read_namespaced_pod(pod.metadata.name, pod.metadata.namespace)
            if current.metadata.deletion_timestamp is None:
                self.start(current, key)
        except ApiException:
            pass  # gone
        finally:
            with self.lock:
                self.starting.discard(key)

    def bind(self, pod: Any) -> None:
        body = client.V1Binding(
            metadata=client.V1ObjectMeta(name=pod.metadata.name),
            target=client.V1ObjectReference(api_version="v1", kind="Node", name=NODE),
        )
        with contextlib.suppress(ApiException):
            self.core.create_namespaced_pod_binding(
                pod.metadata.name, pod.metadata.namespace, body, _preload_content=False
            )

    def start(self, pod: Any, key: str) -> None:
        container = pod.spec.containers[0]
        env = {variable.name: self.resolve(pod, variable) for variable in container.env or []}
        log = (LOGS / f"{pod.metadata.namespace}_{pod.metadata.name}.log").open("ab")
        try:
            if _image_is_local(container.image):
                command = self.container_command(pod, env)
                with self.lock:
                    self.containers[key] = command[command.index("--name") + 1]
                command = ["podman", "--runtime", "runc", *command]
                cwd: Path | None = None
                environ: dict[str, str] | None = None
            else:
                command, cwd, environ = self.process_command(pod, env)
            process = subprocess.Popen(
                command,
                env=environ,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except (OSError, UnsupportedPodError, ApiException) as exc:
            log.write(f"harness: cannot start {container.image}: {exc}\n".encode())
            self.finish(pod, 127, "StartError")
            return
        finally:
            log.close()
        with self.lock:
            self.processes[key] = process
        self.patch_status(
            pod,
            {
                "phase": "Running",
                "podIP": "127.0.0.1",
                "hostIP": "127.0.0.1",
                "startTime": now(),
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now()}],
                "containerStatuses": [
                    {
                        "name": container.name,
                        "ready": True,
                        "restartCount": 0,
                        "image": container.image,
                        "imageID": "",
                        "state": {"running": {"startedAt": now()}},
                    }
                ],
            },
        )
        threading.Thread(target=self.wait, args=(pod, key, process), daemon=True).start()

    def process_command(
        self, pod: Any, env: dict[str, str]
    ) -> tuple[list[str], Path, dict[str, str]]:
        container = pod.spec.containers[0]
        command = [*(container.command or []), *(container.args or [])]
        if command and command[0] in ("python", "python3"):
            command[0] = image_python(container.image)
        environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": "/tmp",
            "PYTHONPATH": str(ROOT),
            "HOSTNAME": pod.metadata.name,  # as a kubelet sets it
            "HARNESS_POD": f"{pod.metadata.namespace}/{pod.metadata.name}",
            **env,
        }
        return command, ROOT, environ

    def container_command(self, pod: Any, env: dict[str, str]) -> list[str]:
        """``podman run`` for the Pod, with what a kubelet adds: the apiserver's address and,
        where the Pod has the projected volume for it, a token of its ServiceAccount."""
        configuration = client.Configuration.get_default_copy()
        address = urlsplit(configuration.host)
        env = {
            "KUBERNETES_SERVICE_HOST": address.hostname or "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(address.port or 443),
            **env,
        }
        body = self.api.sanitize_for_serialization(pod)
        token = None
        if any(needs_token(volume) for volume in body["spec"].get("volumes") or []):
            account = pod.spec.service_account_name or "default"
            issued = self.core.create_namespaced_service_account_token(
                account,
                pod.metadata.namespace,
                {"spec": {"expirationSeconds": 86400}},
            )
            token = ServiceAccountToken(
                token=issued.status.token,
                ca=Path(configuration.ssl_ca_cert).read_bytes(),
                namespace=pod.metadata.namespace,
            )
        services = self.core.list_namespaced_service(pod.metadata.namespace).items
        sandbox = LOGS / "sandboxes" / f"{pod.metadata.namespace}_{pod.metadata.name}"
        sandbox.mkdir(parents=True, exist_ok=True)
        return run_command(
            body,
            env=env,
            sandbox=sandbox,
            claims=LOGS / "claims",
            services=[service.metadata.name for service in services],
            token=token,
        )

    def resolve(self, pod: Any, variable: Any) -> str:
        if variable.value is not None or variable.value_from is None:
            return str(variable.value or "")
        source = variable.value_from
        if source.secret_key_ref is not None:
            ref = source.secret_key_ref
            secret = self.core.read_namespaced_secret(ref.name, pod.metadata.namespace)
            return base64.b64decode((secret.data or {}).get(ref.key, "")).decode()
        if source.field_ref is not None:
            path = source.field_ref.field_path
            fields = {
                "metadata.name": pod.metadata.name,
                "metadata.namespace": pod.metadata.namespace,
                "status.podIP": "127.0.0.1",
            }
            return str(fields.get(path, ""))
        return ""

    def wait(self, pod: Any, key: str, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        with self.lock:
            self.processes.pop(key, None)
            self.containers.pop(key, None)
        self.finish(pod, code, "Completed" if code == 0 else "Error")

    def finish(self, pod: Any, code: int, reason: str) -> None:
        container = pod.spec.containers[0]
        self.patch_status(
            pod,
            {
                "phase": "Succeeded" if code == 0 else "Failed",
                "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": now()}],
                "containerStatuses": [
                    {
                        "name": container.name,
                        "ready": False,
                        "restartCount": 0,
                        "image": container.image,
                        "imageID": "",
                        "state": {
                            "terminated": {"exitCode": code, "reason": reason, "finishedAt": now()}
                        },
                    }
                ],
            },
        )
        if pod.metadata.deletion_timestamp is not None:
            self.confirm_deletion(pod)

    def stop(self, pod: Any, key: str) -> None:
        with self.lock:
            process = self.processes.get(key)
            name = self.containers.get(key)
        if process is not None and process.poll() is None:
            grace = pod.metadata.deletion_grace_period_seconds or 0
            if name is not None:  # SIGTERM to its first process, SIGKILL after the grace period
                stop = [
                    "podman",
                    "--runtime",
                    "runc",
                    "stop",
                    "--time",
                    str(max(1, min(grace, 30))),
                ]
                subprocess.run([*stop, name], capture_output=True, check=False)
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=max(1, min(grace, 30)))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.confirm_deletion(pod)

    def confirm_deletion(self, pod: Any) -> None:
        with contextlib.suppress(ApiException):
            self.core.delete_namespaced_pod(
                pod.metadata.name, pod.metadata.namespace, grace_period_seconds=0
            )

    def patch_status(self, pod: Any, status: dict[str, Any]) -> None:
        with contextlib.suppress(ApiException):
            self.core.patch_namespaced_pod_status(
                pod.metadata.name, pod.metadata.namespace, {"status": status}
            )


def stop_all_on_sigterm(harness: Harness) -> None:
    """``cluster.py down`` stops the harness with SIGTERM: its Pods' processes (each in a
    session of its own, with their browsers) go with it instead of running on orphaned."""

    def stop(_signum: int, _frame: Any) -> None:
        with harness.lock:
            processes = list(harness.processes.values())
            containers = list(harness.containers.values())
        if containers:
            subprocess.run(
                ["podman", "rm", "--force", "--time", "0", *containers],
                capture_output=True,
                check=False,
            )
        for process in processes:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    harness = Harness()
    stop_all_on_sigterm(harness)
    harness.run()
