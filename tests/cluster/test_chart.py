"""The Helm chart against the real control plane: it lints and renders with the defaults and
with every option, the rendered manifests pass a server-side dry run (also where the
``restricted`` Pod Security Standard is enforced), worker Pods are admitted there, and the
operator's ServiceAccount has exactly the permissions of the allowlist below and runs a Job."""

from __future__ import annotations

import functools
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from controller.engine import AttemptRequest
from controller.launch.kube import KubeLauncher, PodSettings
from tests.support.waiting import wait_for

from ._kube import JOBCTL, ROOT, apply, get

CHART = ROOT / "charts" / "jobctl"
ALL_OPTIONS = CHART / "ci" / "all-options-values.yaml"
SHARED_STORE = CHART / "ci" / "shared-store-values.yaml"
HELM = Path(os.environ.get("CLUSTER_BIN", ROOT / ".cache" / "cluster" / "bin")) / "helm"
MONITORING_CRDS = ROOT / ".cache" / "cluster" / "crds"
RELEASE = "rel"
SERVICE_ACCOUNT = f"{RELEASE}-jobctl"

ALLOWED = {
    "jobs.intuned.io": "create delete get list patch update watch",
    "jobruns.intuned.io": "create delete get list patch update watch",
    "authsessions.intuned.io": "create delete get list patch update watch",
    "jobs.intuned.io/status": "get patch update",
    "jobruns.intuned.io/status": "get patch update",
    "authsessions.intuned.io/status": "get patch update",
    "pods": "create delete deletecollection get list watch",
    "secrets": "get list watch",
    "events": "create patch",
    "events.events.k8s.io": "create patch",
    "leases.coordination.k8s.io": "create get update",
    "kopfpeerings.kopf.dev": "create get list patch watch",
    # What every authenticated user may do (system:basic-user):
    "selfsubjectreviews.authentication.k8s.io": "create",
    "selfsubjectaccessreviews.authorization.k8s.io": "create",
    "selfsubjectrulesreviews.authorization.k8s.io": "create",
}
"""The operator's effective permissions in its namespace: resource -> verbs."""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), f"{HELM} missing: run `make cluster-binaries` (builds helm with Go)"
    return run(str(HELM), *args)


def render(namespace: str, *values: str) -> str:
    rendered = helm("template", RELEASE, str(CHART), "--namespace", namespace, *values)
    assert rendered.returncode == 0, rendered.stderr
    return rendered.stdout


@pytest.fixture
def new_namespace(api: client.ApiClient) -> Callable[..., str]:
    def create(**labels: str) -> str:
        name = f"chart-{uuid.uuid4().hex[:6]}"
        client.CoreV1Api(api).create_namespace({"metadata": {"name": name, "labels": labels}})
        return name

    return create


RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}


@pytest.mark.parametrize(
    "values",
    [[], ["-f", str(ALL_OPTIONS)], ["-f", str(SHARED_STORE)]],
    ids=["defaults", "all-options", "shared-store"],
)
def test_the_chart_lints_renders_and_passes_a_server_side_dry_run_under_restricted(
    values: list[str],
    kubectl,
    new_namespace: Callable[..., str],
) -> None:
    lint = helm("lint", str(CHART), *values)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    namespace = new_namespace(**RESTRICTED)
    rendered = render(namespace, *values)
    kinds = {d["kind"] for d in yaml.safe_load_all(rendered) if d}
    expected = {
        "CustomResourceDefinition",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Service",
        "Deployment",
    }
    assert expected <= kinds
    if ALL_OPTIONS.name in str(values):  # the monitoring objects, against their real CRDs
        assert {"ServiceMonitor", "PrometheusRule", "ConfigMap"} <= kinds
        install_monitoring_crds(kubectl)
    if SHARED_STORE.name in str(values):  # standbys on their own nodes, no volume
        assert "PodDisruptionBudget" in kinds and "PersistentVolumeClaim" not in kinds
        (deployment,) = (d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Deployment")
        assert deployment["spec"]["replicas"] == 3 and "strategy" not in deployment["spec"]
        pod = deployment["spec"]["template"]["spec"]
        assert "podAntiAffinity" in pod["affinity"]
        assert {"name": "state", "emptyDir": {}} in pod["volumes"]
    applied = kubectl(
        "apply", "--dry-run=server", "--namespace", namespace, "-f", "-", stdin=rendered
    )
    assert applied.returncode == 0, applied.stderr
    assert "violate PodSecurity" not in applied.stderr, applied.stderr
    assert applied.stdout.count("(server dry run)") == len(
        [d for d in yaml.safe_load_all(rendered) if d]
    )


def install_monitoring_crds(kubectl) -> None:
    """The Prometheus Operator's own ServiceMonitor and PrometheusRule CRDs (``make
    ecosystem-tools`` takes them from its Go module)."""
    assert MONITORING_CRDS.exists(), f"{MONITORING_CRDS} missing: run `make ecosystem-tools`"
    installed = kubectl("apply", "--server-side", "-f", str(MONITORING_CRDS))
    assert installed.returncode == 0, installed.stderr
    for name in ("servicemonitors", "prometheusrules"):
        crd = f"crd/{name}.monitoring.coreos.com"
        wait_for(functools.partial(_established, kubectl, crd), 60, f"{crd} established")


def _established(kubectl, crd: str) -> bool:
    """``kubectl wait`` fails at once (does not wait) while a new CRD has no conditions yet."""
    waited = kubectl("wait", "--for=condition=Established", "--timeout=10s", crd)
    return bool(waited.returncode == 0)


def test_unknown_values_are_rejected_by_the_schema() -> None:
    rendered = helm("template", RELEASE, str(CHART), "--set", "operator.maxWorker=3")
    assert rendered.returncode != 0 and "maxWorker" in rendered.stderr


def test_worker_pods_are_admitted_where_restricted_is_enforced(
    api: client.ApiClient, new_namespace: Callable[..., str]
) -> None:
    namespace = new_namespace(**RESTRICTED)
    worker = {
        "image": "example.com/worker:1",
        "env": [{"name": "SITE", "value": "x"}],
        "resources": {"requests": {"cpu": "100m"}},
    }
    launcher = KubeLauncher(
        client.CoreV1Api(api),
        PodSettings(
            namespace=namespace, callback_url="http://cb:8643", image_pull_secrets=("regcred",)
        ),
        capacity=1,
        owner_of=lambda _r: None,
        worker_of=lambda _j: worker,
    )
    request = AttemptRequest(
        attempt_id="ru_abc.1",
        job_id="job",
        job_run_id="jr_abc",
        run_id="ru_abc",
        attempt_number=1,
        api_name="a",
        parameters={},
        timeout_s=60,
    )
    manifest = launcher.pod_manifest(request, token="t0ken")
    created = client.CoreV1Api(api).create_namespaced_pod(namespace, manifest, dry_run="All")
    container = created.spec.containers[0]
    assert container.security_context.read_only_root_filesystem is True
    assert {m.mount_path for m in container.volume_mounts} >= {"/tmp", "/dev/shm"}


def _can_i_list(kubectl, namespace: str) -> dict[str, str]:
    listed = kubectl(
        "auth",
        "can-i",
        "--list",
        "--namespace",
        namespace,
        "--as",
        f"system:serviceaccount:{namespace}:{SERVICE_ACCOUNT}",
    )
    assert listed.returncode == 0, listed.stderr
    rules: dict[str, set[str]] = {}
    for line in listed.stdout.splitlines()[1:]:
        resource, rest = line[:48].strip(), line[48:]
        if resource:
            verbs = rest[rest.rindex("[") + 1 : rest.rindex("]")].split()
            rules.setdefault(resource, set()).update(verbs)
    return {resource: " ".join(sorted(verbs)) for resource, verbs in rules.items()}


@pytest.fixture
def installed(kubectl, new_namespace: Callable[..., str]) -> str:
    """The chart's ServiceAccount, Role and RoleBinding, applied for real."""
    namespace = new_namespace()
    documents = [
        d
        for d in yaml.safe_load_all(render(namespace))
        if d and d["kind"] in ("ServiceAccount", "Role", "RoleBinding")
    ]
    applied = kubectl(
        "apply", "--namespace", namespace, "-f", "-", stdin=yaml.safe_dump_all(documents)
    )
    assert applied.returncode == 0, applied.stderr
    return namespace


def test_the_operator_service_account_has_exactly_the_allowed_permissions(
    kubectl,
    installed: str,
) -> None:
    assert _can_i_list(kubectl, installed) == ALLOWED
    user = f"system:serviceaccount:{installed}:{SERVICE_ACCOUNT}"
    for denied in (
        ["list", "secrets", "--all-namespaces"],
        ["watch", "secrets", "-A"],
        ["get", "secrets", "-n", "default"],
        ["create", "pods", "-n", "default"],
        ["escalate", "roles", "-n", installed],
        ["bind", "roles", "-n", installed],
        ["impersonate", "users"],
        ["impersonate", "serviceaccounts", "-n", installed],
        ["create", "pods", "--subresource=exec", "-n", installed],
        ["list", "customresourcedefinitions"],
    ):
        answer = kubectl("auth", "can-i", *denied, "--as", user)
        assert answer.stdout.strip() == "no", f"{user} may {' '.join(denied)}"


@pytest.fixture
def operator_as_service_account(
    cluster: Path,
    installed: str,
    tmp_path: Path,
    kubectl,
) -> Iterator[tuple[str, Path]]:
    token = kubectl("create", "token", SERVICE_ACCOUNT, "--namespace", installed)
    assert token.returncode == 0, token.stderr
    config = yaml.safe_load(cluster.read_text())
    config["users"] = [{"name": "operator", "user": {"token": token.stdout.strip()}}]
    for context in config["contexts"]:
        context["context"]["user"] = "operator"
    kubeconfig = tmp_path / "operator.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    log = tmp_path / "operator.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(JOBCTL),
                "operator",
                "--kubeconfig",
                str(kubeconfig),
                "--namespace",
                installed,
                "--state",
                str(tmp_path / "state"),
                "--callback-listen",
                "127.0.0.1:0",
                "--listen",
                "off",
                "--project",
                str(ROOT / "examples" / "bookstore"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield installed, log
    finally:
        process.terminate()
        process.wait(30)


def test_the_operator_runs_a_job_with_only_those_permissions(
    api: client.ApiClient, operator_as_service_account: tuple[str, Path], site: str
) -> None:
    namespace, log = operator_as_service_account
    wait_for(lambda: "operator: namespace" in log.read_text(), 60, "the operator to start")
    apply(
        api,
        namespace,
        "Job",
        "limited",
        {"payload": [{"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}]},
    )
    apply(api, namespace, "JobRun", "limited-1", {"jobRef": {"name": "limited"}})

    def status() -> dict[str, Any]:
        return get(api, namespace, "jobruns", "limited-1").get("status") or {}

    final = wait_for(
        lambda: status() if status().get("status") == "COMPLETED" else None,
        120,
        "the JobRun to complete",
    )
    assert final["successfulRuns"] == 1
    text = log.read_text()
    assert "Forbidden" not in text and " 403" not in text, text[-3000:]
