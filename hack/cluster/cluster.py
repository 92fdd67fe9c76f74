"""A real Kubernetes control plane on loopback for tests and local trials.

``up``: etcd and kube-apiserver (RBAC authorizer, PodSecurity admission, service-account tokens)
from ``.cache/cluster/bin`` (see ``build-binaries.sh``), an admin token, a kubeconfig at
``.cache/cluster/kubeconfig``, the CRDs of ``crds/`` applied, and the kubelet harness
(``kubelet_harness.py``) running so that Pods really run. ``down`` stops it all and forgets the
cluster's data. The cluster's processes and ports are recorded in ``.cache/cluster/state.json``.

``delay SECONDS`` (or ``up --pod-start-delay SECONDS``) makes the harness wait that long before
starting each Pod's process, as a real node spends starting a container from a warm image.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("CLUSTER_CACHE", ROOT / ".cache" / "cluster"))
BIN = Path(os.environ.get("CLUSTER_BIN", CACHE / "bin"))
RUN = CACHE / "run"
KUBECONFIG = CACHE / "kubeconfig"
STATE = CACHE / "state.json"
POD_START_DELAY = RUN / "pod-start-delay"
"""Seconds the harness waits before starting a Pod (read per Pod, so it can change live)."""
POD_IMAGES = RUN / "pod-images.json"
"""Image -> the ``python`` it runs (``tests/cluster/_kube.py`` ``add_pod_image``)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(name: str, args: list[str], env: dict[str, str] | None = None) -> int:
    log = (RUN / f"{name}.log").open("ab")
    process = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    log.close()
    return process.pid


def _service_account_keys() -> tuple[Path, Path]:
    private, public = RUN / "sa.key", RUN / "sa.pub"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _wait_ready(url: str, token: str, pids: list[int], timeout: float = 60) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(f"{url}/readyz", headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(request, context=context, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        for pid in pids:
            if not _alive(pid):
                raise SystemExit(f"cluster: a component exited; see {RUN}/*.log")
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster: the apiserver was not ready in {timeout:.0f}s; see {RUN}")
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _kubeconfig(url: str, token: str) -> str:
    """The apiserver made itself a certificate and CA (``--cert-dir``); clients trust that CA."""
    ca = base64.b64encode((RUN / "pki" / "apiserver.crt").read_bytes()).decode()
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "jobctl",
            "clusters": [
                {"name": "jobctl", "cluster": {"server": url, "certificate-authority-data": ca}}
            ],
            "users": [{"name": "admin", "user": {"token": token}}],
            "contexts": [{"name": "jobctl", "context": {"cluster": "jobctl", "user": "admin"}}],
        },
        indent=2,
    )


def up() -> Path:
    if STATE.exists() and all(_alive(p) for p in json.loads(STATE.read_text())["pids"]):
        print(KUBECONFIG)
        return KUBECONFIG
    down(quiet=True)
    for tool in ("etcd", "kube-apiserver", "kubectl"):
        if not (BIN / tool).exists():
            raise SystemExit(
                f"cluster: {BIN / tool} is missing; run `make cluster-binaries` "
                "(or hack/cluster/build-binaries.sh), or set KUBEBUILDER_ASSETS"
            )
    RUN.mkdir(parents=True, exist_ok=True)
    etcd_port, peer_port, api_port = _free_port(), _free_port(), _free_port()
    token = secrets.token_urlsafe(24)
    (RUN / "tokens.csv").write_text(f"{token},admin,admin-uid,system:masters\n")
    private, public = _service_account_keys()
    commands: dict[str, list[str]] = {}
    commands["etcd"] = [
        str(BIN / "etcd"),
        "--data-dir",
        str(RUN / "etcd"),
        "--name",
        "jobctl",
        "--listen-client-urls",
        f"http://127.0.0.1:{etcd_port}",
        "--advertise-client-urls",
        f"http://127.0.0.1:{etcd_port}",
        "--listen-peer-urls",
        f"http://127.0.0.1:{peer_port}",
        "--initial-advertise-peer-urls",
        f"http://127.0.0.1:{peer_port}",
        "--initial-cluster",
        f"jobctl=http://127.0.0.1:{peer_port}",
        "--unsafe-no-fsync",
    ]
    commands["kube-apiserver"] = [
        str(BIN / "kube-apiserver"),
        "--etcd-servers",
        f"http://127.0.0.1:{etcd_port}",
        "--bind-address",
        "127.0.0.1",
        "--secure-port",
        str(api_port),
        "--cert-dir",
        str(RUN / "pki"),
        "--token-auth-file",
        str(RUN / "tokens.csv"),
        "--authorization-mode",
        "RBAC",
        "--enable-admission-plugins",
        "PodSecurity",
        "--service-account-issuer",
        "https://kubernetes.default.svc",
        "--service-account-key-file",
        str(public),
        "--service-account-signing-key-file",
        str(private),
        "--service-cluster-ip-range",
        "10.96.0.0/16",
        "--allow-privileged=false",
        "--api-audiences",
        "https://kubernetes.default.svc",
    ]
    pids = [_spawn(name, args) for name, args in commands.items()]
    url = f"https://127.0.0.1:{api_port}"
    state = {"pids": pids, "url": url, "token": token, "commands": commands}
    STATE.write_text(json.dumps(state))
    _wait_ready(url, token, pids)
    KUBECONFIG.write_text(_kubeconfig(url, token))
    KUBECONFIG.chmod(0o600)
    kubectl = [str(BIN / "kubectl"), "--kubeconfig", str(KUBECONFIG)]
    for manifests in (ROOT / "crds", Path(__file__).with_name("kopf-peering-crds.yaml")):
        subprocess.run(
            [*kubectl, "apply", "--server-side", "-f", str(manifests)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run(
        [*kubectl, "wait", "--for", "condition=Established", "--timeout", "60s", "crd", "--all"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # the Pods' logs stay with this cluster: another one's `down` must not remove them
    env = {
        **os.environ,
        "KUBECONFIG": str(KUBECONFIG),
        "HARNESS_LOGS": str(RUN / "pods"),
        "HARNESS_START_DELAY_FILE": str(POD_START_DELAY),
        "HARNESS_IMAGES_FILE": str(POD_IMAGES),
    }
    pids.append(
        _spawn(
            "kubelet-harness",
            [sys.executable, str(Path(__file__).with_name("kubelet_harness.py"))],
            env,
        )
    )
    STATE.write_text(json.dumps(state))
    print(KUBECONFIG)
    return KUBECONFIG


def set_pod_start_delay(seconds: float) -> None:
    POD_START_DELAY.write_text(f"{seconds}\n")


def restart(name: str) -> None:
    """Kill one control-plane component (SIGKILL, as a crash would) and start it again with the
    same flags, data and port; return once the apiserver is ready again. For chaos tests."""
    state = json.loads(STATE.read_text())
    index = list(state["commands"]).index(name)
    old = state["pids"][index]
    with contextlib.suppress(OSError):
        os.killpg(old, signal.SIGKILL)
    while _alive(old):
        time.sleep(0.05)
    state["pids"][index] = _spawn(name, state["commands"][name])
    STATE.write_text(json.dumps(state))
    _wait_ready(state["url"], state["token"], state["pids"][:2])
    print(f"cluster: {name} restarted")


def down(*, quiet: bool = False) -> None:
    if STATE.exists():
        for pid in reversed(json.loads(STATE.read_text())["pids"]):
            try:
                os.killpg(pid, signal.SIGTERM)
            except OSError:
                continue
            for _ in range(50):
                if not _alive(pid):
                    break
                time.sleep(0.1)
            else:
                os.killpg(pid, signal.SIGKILL)
        STATE.unlink()
    if RUN.exists():
        subprocess.run(["rm", "-rf", str(RUN)], check=False)
    KUBECONFIG.unlink(missing_ok=True)
    if not quiet:
        print("cluster: stopped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("up", "down", "restart", "delay"))
    parser.add_argument(
        "component", nargs="?", help="restart: etcd or kube-apiserver; delay: seconds"
    )
    parser.add_argument("--pod-start-delay", type=float, default=0.0, metavar="SECONDS")
    args = parser.parse_args()
    if args.action == "delay":
        set_pod_start_delay(float(args.component or 0))
    elif args.action == "restart":
        if args.component not in ("etcd", "kube-apiserver"):
            parser.error("restart needs a component: etcd or kube-apiserver")
        restart(args.component)
    elif args.action == "up":
        up()
        set_pod_start_delay(args.pod_start_delay)
    else:
        down()


if __name__ == "__main__":
    main()
