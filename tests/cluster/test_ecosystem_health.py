"""What the GitOps ecosystem computes from the statuses the real operator writes: kstatus (Flux,
kubectl-style waits), our Argo CD Lua health checks and our Flux ``healthCheckExprs``, each run
by the ecosystem's own library (``tests/support/ecosystem.py``).

With ``JOBCTL_CAPTURE_HEALTH=1`` the captured objects are also written as the Argo CD checks'
``testdata`` (``integrations/argocd/...``), which the integration tier replays without a cluster.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml
from kubernetes import client

from controller.vocabulary import GROUP, VERSION
from tests.support.ecosystem import ARGOCD, captured, statuses
from tests.support.waiting import wait_for

from ._kube import apply, get

EXPECTED = {
    # (kind, fixture name): (kstatus, Argo CD, Flux)
    ("Job", "just-created"): ("InProgress", "Progressing", "InProgress"),
    ("JobRun", "just-created"): ("InProgress", "Progressing", "InProgress"),
    ("AuthSession", "just-created"): ("InProgress", "Progressing", "InProgress"),
    ("Job", "valid"): ("Current", "Healthy", "Current"),
    ("Job", "suspended"): ("Current", "Suspended", "Current"),
    ("Job", "spec-error"): ("Failed", "Degraded", "Failed"),
    ("JobRun", "running"): ("InProgress", "Progressing", "InProgress"),
    ("JobRun", "paused"): ("InProgress", "Suspended", "InProgress"),
    ("JobRun", "completed"): ("Current", "Healthy", "Current"),
    ("JobRun", "completed-with-failed-runs"): ("Current", "Healthy", "Current"),
    ("JobRun", "terminated"): ("Failed", "Degraded", "Failed"),
    ("JobRun", "canceled"): ("Failed", "Degraded", "Failed"),
    ("AuthSession", "valid"): ("Current", "Healthy", "Current"),
    ("AuthSession", "spec-error"): ("Failed", "Degraded", "Failed"),
}
PLURAL = {"Job": "jobs", "JobRun": "jobruns", "AuthSession": "authsessions"}


def item(site: str, succeed_on: int) -> dict[str, Any]:
    return {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": succeed_on}}


def missing_secret() -> dict[str, Any]:
    return {"valueFrom": {"secretKeyRef": {"name": "not-there", "key": "k"}}}


def patch(api: client.ApiClient, namespace: str, plural: str, name: str, spec: dict) -> None:
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        GROUP, VERSION, namespace, plural, name, {"spec": spec}
    )


def run_status(api: client.ApiClient, namespace: str, name: str) -> str | None:
    return (get(api, namespace, "jobruns", name).get("status") or {}).get("status")


def when(api: client.ApiClient, namespace: str, kind: str, name: str, test: Any) -> dict:
    """The resource once ``test(resource)`` holds."""

    def ready() -> dict[str, Any] | None:
        resource = get(api, namespace, PLURAL[kind], name)
        return resource if test(resource) else None

    return dict(wait_for(ready, 180, f"{kind} {name}"))


def condition(resource: dict[str, Any], kind: str) -> str | None:
    found = [c for c in (resource.get("status") or {}).get("conditions", []) if c["type"] == kind]
    return found[0]["status"] if found else None


def just_created(api: client.ApiClient) -> dict[tuple[str, str], dict[str, Any]]:
    """Resources in a namespace no operator watches: what a person sees right after applying."""
    namespace = f"unwatched-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": namespace}})
    specs = {
        "Job": {"payload": [{"apiName": "flaky"}]},
        "JobRun": {"jobRef": {"name": "fresh"}},
        "AuthSession": {"credentials": {"username": "reader"}},
    }
    found = {}
    for kind, spec in specs.items():
        apply(api, namespace, kind, "fresh", spec)  # type: ignore[arg-type]
        found[(kind, "just-created")] = get(api, namespace, PLURAL[kind], "fresh")
    return found


def test_kstatus_argo_cd_and_flux_read_every_state_the_operator_writes(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    found = just_created(api)
    ns = namespace
    apply(api, ns, "Job", "health-ok", {"payload": [item(site, 1)]})
    apply(api, ns, "JobRun", "health-ok-1", {"jobRef": {"name": "health-ok"}})
    apply(
        api,
        ns,
        "Job",
        "health-mixed",
        {
            "payload": [item(site, 1), item(site, 9)],
            "configuration": {"retry": {"maximumAttempts": 1}},
        },
    )
    apply(api, ns, "JobRun", "health-mixed-1", {"jobRef": {"name": "health-mixed"}})
    apply(api, ns, "Job", "health-held", {"payload": [item(site, 1)], "suspend": True})
    apply(
        api,
        ns,
        "Job",
        "health-broken",
        {
            "payload": [item(site, 1)],
            "sink": {
                "type": "webhook",
                "url": "http://127.0.0.1:9/",
                "headers": {"X": missing_secret()},
            },
        },
    )
    apply(api, ns, "AuthSession", "health-valid", {"credentials": {"username": "reader"}})
    apply(api, ns, "AuthSession", "health-broken", {"credentials": {"password": missing_secret()}})
    apply(
        api,
        ns,
        "Job",
        "health-slow",
        {
            "payload": [item(site, 1)] * 40,
            "configuration": {"maxConcurrentRequests": 1},
        },
    )
    apply(api, ns, "JobRun", "health-slow-1", {"jobRef": {"name": "health-slow"}})

    found[("JobRun", "running")] = when(
        api, ns, "JobRun", "health-slow-1", lambda r: (r.get("status") or {}).get("runningRuns")
    )
    patch(api, ns, "jobs", "health-slow", {"suspend": True})
    found[("JobRun", "paused")] = when(
        api, ns, "JobRun", "health-slow-1", lambda r: r["status"].get("status") == "PAUSED"
    )
    patch(api, ns, "jobruns", "health-slow-1", {"terminate": True})
    found[("JobRun", "terminated")] = when(
        api,
        ns,
        "JobRun",
        "health-slow-1",
        lambda r: (
            r["status"].get("status") == "TERMINATED"
            and r["status"].get("observedGeneration") == r["metadata"]["generation"]
        ),
    )
    apply(api, ns, "JobRun", "health-held-1", {"jobRef": {"name": "health-held"}})
    found[("JobRun", "canceled")] = when(
        api, ns, "JobRun", "health-held-1", lambda r: (r.get("status") or {}).get("status")
    )
    found[("JobRun", "completed")] = when(
        api, ns, "JobRun", "health-ok-1", lambda r: r["status"].get("status") == "COMPLETED"
    )
    found[("JobRun", "completed-with-failed-runs")] = when(
        api, ns, "JobRun", "health-mixed-1", lambda r: r["status"].get("status") == "COMPLETED"
    )
    found[("Job", "valid")] = when(
        api, ns, "Job", "health-ok", lambda r: (r.get("status") or {}).get("lastJobRun")
    )
    found[("Job", "suspended")] = when(
        api, ns, "Job", "health-held", lambda r: condition(r, "Suspended") == "True"
    )
    found[("Job", "spec-error")] = when(
        api, ns, "Job", "health-broken", lambda r: condition(r, "SpecError") == "True"
    )
    found[("AuthSession", "valid")] = when(
        api, ns, "AuthSession", "health-valid", lambda r: condition(r, "Ready") == "True"
    )
    found[("AuthSession", "spec-error")] = when(
        api, ns, "AuthSession", "health-broken", lambda r: condition(r, "SpecError") == "True"
    )

    assert found[("JobRun", "completed-with-failed-runs")]["status"]["failedRuns"] == 1
    metrics = httpx.get(operator["api"] + "/metrics", timeout=10).text
    assert 'jobctl_healthy{check="watches"} 1.0' in metrics
    assert 'jobctl_healthy{check="engine"} 1.0' in metrics
    assert "jobctl_invalid_definitions 2.0" in metrics  # health-broken: the Job and AuthSession
    keys = sorted(EXPECTED)
    got = dict(zip(keys, statuses([found[k] for k in keys]), strict=True))
    assert got == EXPECTED
    if os.environ.get("JOBCTL_CAPTURE_HEALTH"):
        for (kind, name), resource in found.items():
            write_testdata(ARGOCD / GROUP / kind / "testdata" / f"{name}.yaml", resource)


def write_testdata(path: Path, resource: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(captured(resource), sort_keys=False, width=100)
    text = text.replace(resource["metadata"]["namespace"], "jobctl")  # in messages too
    path.write_text(
        "# Captured from the operator by tests/cluster/test_ecosystem_health.py\n" + text
    )
