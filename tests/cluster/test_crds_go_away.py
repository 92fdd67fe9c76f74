"""The Job and JobRun CRDs deleted under a running operator (their objects with them), then
applied again: the operator's process never exits (kopf cannot wait for a resource that went
away, so the operator starts again in place, and its start waits), and it serves the CRDs once
they are back. Its own module: deleting the CRDs deletes every namespace's Jobs."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest
from kubernetes import client

from controller.vocabulary import GROUP, VERSION
from tests.support.waiting import wait_for

from ._kube import apply, status_of

ROOT = Path(__file__).resolve().parents[2]

QUICK = """
async def automation(page, params, **_kwargs):
    return {"n": params["n"]}
"""


@pytest.fixture(scope="module")
def operator_flags(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    project = tmp_path_factory.mktemp("quick-project")
    (project / "api").mkdir()
    (project / "api" / "quick.py").write_text(QUICK)
    return ["--project", str(project)]


def _items(count: int) -> dict[str, object]:
    return {"payload": [{"apiName": "quick", "parameters": {"n": n}} for n in range(count)]}


def _completed(api: client.ApiClient, namespace: str, name: str) -> bool:
    return status_of(api, namespace, "jobruns", name).get("status") == "COMPLETED"


def _served(api: client.ApiClient, namespace: str) -> bool:
    try:
        client.CustomObjectsApi(api).list_namespaced_custom_object(
            GROUP, VERSION, namespace, "jobs"
        )
    except client.ApiException:
        return False
    return True


def _applied(api: client.ApiClient, namespace: str, kind: str, name: str, spec: dict) -> bool:
    try:
        apply(api, namespace, kind, name, spec)
    except client.ApiException as exc:  # a CRD just made may refuse objects for a moment
        if exc.status != 404:
            raise
        return False
    return True


def _release_others(api: client.ApiClient, namespace: str) -> None:
    """Objects that earlier modules' operators (gone now) left with their finalizers would hold
    the CRDs' deletion forever: as an administrator would, drop those finalizers first."""
    custom = client.CustomObjectsApi(api)
    for plural in ("jobs", "jobruns"):
        for item in custom.list_cluster_custom_object(GROUP, VERSION, plural)["items"]:
            meta = item["metadata"]
            if meta["namespace"] != namespace and meta.get("finalizers"):
                custom.patch_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    meta["namespace"],
                    plural,
                    meta["name"],
                    {"metadata": {"finalizers": None}},
                )


def _gone(api: client.ApiClient, name: str) -> bool:
    try:
        client.ApiextensionsV1Api(api).read_custom_resource_definition(name)
    except client.ApiException as exc:
        return exc.status == 404
    return False


def test_the_operator_outlives_its_crds_and_serves_them_again_when_they_are_back(
    api: client.ApiClient, namespace: str, operator, kubectl
) -> None:
    apply(api, namespace, "Job", "before", _items(2))
    apply(api, namespace, "JobRun", "before-1", {"jobRef": {"name": "before"}})
    wait_for(lambda: _completed(api, namespace, "before-1"), 120, "a JobRun before the deletion")
    process = operator["running"]["process"]
    log: Path = operator["log"]
    crds = [str(ROOT / "crds" / f"intuned.io_{plural}.yaml") for plural in ("jobs", "jobruns")]
    files = [arg for crd in crds for arg in ("-f", crd)]
    _release_others(api, namespace)
    try:
        deleted = kubectl("delete", *files, "--wait=false")
        assert deleted.returncode == 0, deleted.stderr
        for plural in ("jobs", "jobruns"):
            name = f"{plural}.{GROUP}"
            wait_for(functools.partial(_gone, api, name), 120, f"{name} to be deleted")
        wait_for(lambda: "starting again in place" in log.read_text(), 60, "the operator to see")
        time.sleep(5)  # the CRDs stay away a while; the operator waits for them
        assert process.poll() is None, f"the operator exited:\n{log.read_text()[-3000:]}"
    finally:  # whatever happened, later modules find the CRDs
        applied = kubectl("apply", "--server-side", "--force-conflicts", *files)
        assert applied.returncode == 0, applied.stderr
    wait_for(lambda: _served(api, namespace), 60, "the CRDs to be served again")
    wait_for(lambda: _applied(api, namespace, "Job", "after", _items(3)), 60, "the new Job")
    wait_for(
        lambda: _applied(api, namespace, "JobRun", "after-1", {"jobRef": {"name": "after"}}),
        60,
        "the new JobRun",
    )
    wait_for(lambda: _completed(api, namespace, "after-1"), 180, "a JobRun after the CRDs are back")
    assert process.poll() is None, "the operator's process ended"
    assert "Traceback" not in log.read_text().split("starting again in place")[1]
