"""The control plane itself: CRD schemas enforced by the apiserver, Pods run by the harness."""

from __future__ import annotations

import time
import uuid

from kubernetes import client

VALID = """
apiVersion: intuned.io/v1alpha1
kind: Job
metadata: {name: %s, namespace: default}
spec:
  payload:
    - api: list
      parameters: {page: 1, nested: {deep: [1, 2]}}
    - apiName: details
  configuration: {maximumConcurrentRequests: 3, retry: {maximumAttempts: 2}}
  schedule:
    calendars: [{hour: "9-17", dayOfWeek: [MON, {start: 2, end: 5}]}]
"""


def test_a_valid_job_is_stored_as_written_and_an_invalid_one_is_rejected(kubectl) -> None:
    name = f"valid-{uuid.uuid4().hex[:6]}"
    applied = kubectl("apply", "-f", "-", stdin=VALID % name)
    assert applied.returncode == 0, applied.stderr
    stored = kubectl(
        "get", "ijob", name, "-o", "jsonpath={.spec.payload[0].parameters.nested.deep}"
    )
    assert stored.stdout == "[1,2]"
    listed = kubectl("get", "ijob", name)
    assert "SUSPENDED" in listed.stdout.upper() and name in listed.stdout

    for broken, says in [
        (VALID.replace("- apiName: details", "- parameters: {}"), "apiName"),
        (VALID.replace("maximumAttempts: 2", "maximumAttempts: 0"), "maximumAttempts"),
    ]:
        rejected = kubectl("apply", "-f", "-", stdin=broken % f"bad-{uuid.uuid4().hex[:6]}")
        assert rejected.returncode != 0 and says in rejected.stderr, rejected.stderr


def test_the_harness_runs_a_pod_to_completion_with_its_exit_code(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    for code in (0, 3):
        name = f"probe-{uuid.uuid4().hex[:6]}"
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "containers": [
                    {
                        "name": "main",
                        "image": "jobctl-worker",
                        "command": ["python", "-c", f"import os,sys; sys.exit({code})"],
                        "env": [{"name": "X", "value": "1"}],
                    }
                ],
            },
        }
        core.create_namespaced_pod("default", pod)
        deadline = time.monotonic() + 30
        while True:
            status = core.read_namespaced_pod(name, "default").status
            if status.phase in ("Succeeded", "Failed"):
                break
            assert time.monotonic() < deadline, status.phase
            time.sleep(0.2)
        terminated = status.container_statuses[0].state.terminated
        assert (status.phase, terminated.exit_code) == (
            "Succeeded" if code == 0 else "Failed",
            code,
        )
        core.delete_namespaced_pod(name, "default")
