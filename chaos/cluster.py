"""Faults against the operator on the test control plane (etcd, kube-apiserver and the kubelet
harness of ``hack/cluster``, started for the scenario): the operator SIGKILLed, the apiserver
and etcd restarted under a JobRun.

Each scenario applies a Job of book pages and a JobRun resource, hurts the control plane or the
operator while attempt Pods run, and counts the operator's results file once the JobRun's status
says it ended. The harness plays the operator's Deployment: an operator that exits is started
again, and each such start is counted: ``operator_exits`` where nothing justifies one,
``operator_restarts`` where stepping down is the design (an apiserver unreachable for longer than
the Lease's renew deadline).
"""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config

from controller.operator.lease import RENEW_DEADLINE_S
from controller.vocabulary import GROUP, VERSION
from tests.support.ports import free_port
from tests.support.waiting import wait_for

from .harness import JOBCTL, PROJECT, ROOT, Processes, Report, Site, count_runs_run_twice, tally

CLUSTER = ROOT / "hack" / "cluster" / "cluster.py"
NAMESPACE = "chaos"
JOB = "chaos"
RUN = "chaos-1"
PROBE = "probe"


class ControlPlane:
    def __init__(self, root: Path) -> None:
        bin_dir = os.environ.get("KUBEBUILDER_ASSETS") or str(ROOT / ".cache" / "cluster" / "bin")
        self.env = {**os.environ, "CLUSTER_CACHE": str(root / "cluster"), "CLUSTER_BIN": bin_dir}
        self.pod_logs = root / "cluster" / "run" / "pods"
        """Each Pod's output (the kubelet harness's), its worker's log among it."""

    def _cluster(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(CLUSTER), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cluster {' '.join(args)}: {done.stdout}{done.stderr}".strip())
        return done.stdout

    def __enter__(self) -> ControlPlane:
        self.kubeconfig = Path(self._cluster("up").strip().splitlines()[-1])
        self.api = config.new_client_from_config(config_file=str(self.kubeconfig))
        return self

    def restart(self, component: str) -> None:
        self._cluster("restart", component)

    def __exit__(self, *exc: object) -> None:
        self._cluster("down")


class Operator:
    """``jobctl operator`` processes on one state folder; ``ensure_running`` is the Deployment."""

    def __init__(self, root: Path, plane: ControlPlane, processes: Processes) -> None:
        self.state = root / "operator"
        self.log = root / "operator.log"
        self.processes = processes
        self.args = [
            str(JOBCTL),
            "operator",
            "--kubeconfig",
            str(plane.kubeconfig),
            "--namespace",
            NAMESPACE,
            "--state",
            str(self.state),
            "--callback-listen",
            f"127.0.0.1:{free_port()}",  # fixed, as a Service: pool Pods outlive restarts
            "--project",
            str(PROJECT),
            "--max-workers",
            "5",
            "--allow-private-targets",
            "--liveness",
            f"127.0.0.1:{free_port()}",
            "--listen",
            f"127.0.0.1:{free_port()}",  # not the default port: tests may run beside
        ]
        self.process: subprocess.Popen[bytes] | None = None
        self.exits = 0

    def first_start(self, api: client.ApiClient) -> None:
        client.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})
        self.start()

    def start(self, *, wait: bool = True) -> None:
        """Start one and wait until it is active (a start after a kill waits for the Lease; one
        without its CRDs waits for them, so ``wait=False`` then)."""
        starts = self._active_count() + 1
        self.process = self.processes.start(self.args, self.log)
        if not wait:
            return
        wait_for(
            lambda: self._active_count() >= starts or self.process.poll() is not None,  # type: ignore[union-attr]
            90,
            f"the operator to become active (log: {self.log})",
            step=0.05,
        )

    def _active_count(self) -> int:
        return self.log.read_text().count("operator: namespace") if self.log.exists() else 0

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.exits += self.process is not None
            self.start()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def lines(self) -> list[str]:
        path = self.state / "results" / JOB / f"{RUN}.jsonl"
        text = path.read_text() if path.exists() else ""
        return text.splitlines()[: text.count("\n")]


def _create(api: client.ApiClient, kind: str, name: str, spec: dict[str, Any]) -> None:
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": spec,
    }
    plural = f"{kind.lower()}s"
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, NAMESPACE, plural, body
    )


def _apply_jobs(api: client.ApiClient, site: Site, count: int) -> None:
    """The Job under test and its JobRun, and a one-item ``probe`` Job whose JobRuns, created
    after a fault, show the operator sees new resources again."""
    configuration = {"maxConcurrentRequests": 4, "retry": {"maximumAttempts": 3}}
    _create(api, "Job", JOB, {"payload": site.items(count), "configuration": configuration})
    _create(api, "Job", PROBE, {"payload": site.items(1)})
    _create(api, "JobRun", RUN, {"jobRef": {"name": JOB}})


def _status(api: client.ApiClient, name: str = RUN) -> dict[str, Any]:
    try:
        resource = client.CustomObjectsApi(api).get_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, "jobruns", name
        )
    except Exception:  # the apiserver is restarting: no answer yet
        return {}
    status: dict[str, Any] = resource.get("status") or {}
    return status


def _finish(plane: ControlPlane, operator: Operator, report: Report, count: int) -> None:
    """Wait for the JobRun to end (restarting an operator that exited), then count."""
    deadline = time.monotonic() + 900
    while _status(plane.api).get("status") not in ("COMPLETED", "FAILURE", "TERMINATED"):
        if time.monotonic() > deadline:
            report.details["error"] = f"the JobRun did not end in 900s (log: {operator.log})"
            break
        operator.ensure_running()
        time.sleep(0.5)
    tally(operator.lines(), count, report)
    count_runs_run_twice(operator.state / "state.db", plane.pod_logs.glob("*.log"), report)
    runs = client.CustomObjectsApi(plane.api).list_namespaced_custom_object(
        GROUP, VERSION, NAMESPACE, "jobruns"
    )["items"]
    runs = [r for r in runs if r["spec"]["jobRef"]["name"] == JOB]
    report.details["jobrun_resources"] = len(runs)
    if len(runs) != 1:
        report.details["error"] = f"{len(runs)} JobRun resources for one trigger"


def _wait_results(operator: Operator, target: int, count: int, what: str) -> None:
    def reached() -> bool:
        operator.ensure_running()
        return len(operator.lines()) >= min(target, count)

    wait_for(reached, 600, f"{what} (log: {operator.log})", step=0.1)


def operator_sigkill(root: Path, short: bool) -> Report:
    """SIGKILL the operator at random points of a JobRun: some while it has just become active
    and is creating attempt Pods, the others between results."""
    count, kills = (12, 3) if short else (60, 10)
    report = Report("sigkill-operator")
    rng = random.Random(10)
    with Site() as site, ControlPlane(root) as plane, Processes(root, "operator") as processes:
        operator = Operator(root, plane, processes)
        operator.first_start(plane.api)
        _apply_jobs(plane.api, site, count)
        while report.faults < kills and _status(plane.api).get("status") != "COMPLETED":
            restarted, before = time.monotonic(), len(operator.lines())
            if report.faults and rng.random() < 0.4:  # while it creates Pods again
                time.sleep(rng.uniform(0.5, 3.0))
            else:
                _wait_results(operator, before + 1, count, "a result after the restart")
                if report.faults:
                    report.recovered(time.monotonic() - restarted)
                step = max(1, count // (kills + 3))
                _wait_results(
                    operator, before + rng.randint(1, step), count, "results before a kill"
                )
            operator.kill()
            report.faults += 1
            operator.start()
        _finish(plane, operator, report, count)
    report.details["operator_exits"] = operator.exits
    return report


def _component_restart(root: Path, short: bool, component: str, name: str) -> Report:
    """Restart one control-plane component (SIGKILL, then start) while attempt Pods run; the
    operator must keep (or regain) its watches and Lease and finish the JobRun. ``outage_s``:
    from the kill to the apiserver being ready again; ``recovered_s``: from then to a JobRun
    created then having run to COMPLETED (so the operator's watches work again)."""
    count, restarts = (12, 1) if short else (40, 2)
    report = Report(name)
    with Site() as site, ControlPlane(root) as plane, Processes(root, name) as processes:
        operator = Operator(root, plane, processes)
        operator.first_start(plane.api)
        _apply_jobs(plane.api, site, count)
        for restart in range(restarts):
            _wait_results(operator, (restart + 1) * count // (restarts + 2), count, "results first")
            down = time.monotonic()
            plane.restart(component)
            report.faults += 1
            back, probe = time.monotonic(), f"{PROBE}-{restart}"
            outage = max(report.details.get("outage_s", 0.0), round(back - down, 2))
            report.details["outage_s"] = outage
            _create(plane.api, "JobRun", probe, {"jobRef": {"name": PROBE}})

            def probed(probe: str = probe) -> bool:
                operator.ensure_running()
                return _status(plane.api, probe).get("status") == "COMPLETED"

            wait_for(
                probed, 300, f"{probe} after {component} came back (log: {operator.log})", step=0.05
            )
            report.recovered(time.monotonic() - back)
        _finish(plane, operator, report, count)
    report.details["operator_restarts"] = operator.exits
    if operator.exits and report.details["outage_s"] < RENEW_DEADLINE_S:
        report.details["error"] = (
            f"the operator exited although the API was back within {RENEW_DEADLINE_S}s"
        )
    return report


def apiserver_restart(root: Path, short: bool) -> Report:
    return _component_restart(root, short, "kube-apiserver", "apiserver-restart")


def etcd_restart(root: Path, short: bool) -> Report:
    return _component_restart(root, short, "etcd", "etcd-restart")


JOB_CRDS = ("intuned.io_jobs.yaml", "intuned.io_jobruns.yaml")


def crds_deleted(root: Path, short: bool) -> Report:
    """Delete the Job and JobRun CRDs mid-JobRun (and with them every Job and JobRun), wait,
    then apply them again: the operator never exits (``operator_exits``), its attempts of the
    deleted JobRun stop (``attempt_pods_left``), and once the CRDs are back a new Job runs to
    COMPLETED with nothing lost (``recovered_s``: from the CRDs' return to that)."""
    count, absent_s = (12, 10.0) if short else (40, 30.0)
    report = Report("crds-deleted")
    with Site() as site, ControlPlane(root) as plane, Processes(root, "crds") as processes:
        operator = Operator(root, plane, processes)
        operator.first_start(plane.api)
        _apply_jobs(plane.api, site, count)
        _wait_results(operator, count // 3, count, "results before the deletion")
        extensions = client.ApiextensionsV1Api(plane.api)
        manifests = [yaml.safe_load((ROOT / "crds" / name).read_text()) for name in JOB_CRDS]
        for manifest in manifests:
            extensions.delete_custom_resource_definition(manifest["metadata"]["name"])
        report.faults += 1
        away = time.monotonic() + absent_s
        while time.monotonic() < away:
            if operator.process is not None and operator.process.poll() is not None:
                operator.exits += 1
                operator.start(wait=False)
            time.sleep(0.5)
        for manifest in manifests:
            name = manifest["metadata"]["name"]
            wait_for(
                functools.partial(_crd_gone, extensions, name), 120, f"{name} to go", step=0.05
            )
            extensions.create_custom_resource_definition(manifest)
        back = time.monotonic()
        wait_for(lambda: _crds_served(plane.api), 120, "the CRDs to be served again", step=0.05)
        _create_when_served(plane.api, "Job", "after", {"payload": site.items(4)})
        _create_when_served(plane.api, "JobRun", "after-1", {"jobRef": {"name": "after"}})

        def completed() -> bool:
            operator.ensure_running()
            return _status(plane.api, "after-1").get("status") == "COMPLETED"

        wait_for(
            completed, 300, f"a JobRun after the CRDs came back (log: {operator.log})", step=0.05
        )
        report.recovered(time.monotonic() - back)
        path = operator.state / "results" / "after" / "after-1.jsonl"
        tally(path.read_text().splitlines(), 4, report)
        pods = client.CoreV1Api(plane.api).list_namespaced_pod(NAMESPACE).items
        left = [p for p in pods if (p.metadata.labels or {}).get("intuned.io/jobrun") == RUN]
        report.details["attempt_pods_left"] = len(left)
    report.details["operator_exits"] = operator.exits
    if report.details["attempt_pods_left"]:
        report.details["error"] = "attempt Pods of the deleted JobRun are still there"
    return report


def _crd_gone(extensions: client.ApiextensionsV1Api, name: str) -> bool:
    try:
        extensions.read_custom_resource_definition(name)
    except client.ApiException as exc:
        return exc.status == 404
    return False


def _crds_served(api: client.ApiClient) -> bool:
    try:
        client.CustomObjectsApi(api).list_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, "jobs"
        )
    except client.ApiException:
        return False
    return True


def _create_when_served(api: client.ApiClient, kind: str, name: str, spec: dict[str, Any]) -> None:
    """A CRD just made may refuse objects for a moment (404) while its storage starts."""

    def created() -> bool:
        try:
            _create(api, kind, name, spec)
        except client.ApiException as exc:
            if exc.status != 404:
                raise
            return False
        return True

    wait_for(created, 60, f"the {kind} to be accepted", step=0.05)
