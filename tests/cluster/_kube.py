"""Helpers of the cluster tier's tests: resources in, statuses out, with patience."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kubernetes import client

from controller.vocabulary import GROUP, VERSION

ROOT = Path(__file__).resolve().parents[2]
JOBCTL = Path(sys.executable).with_name("jobctl")

PLURALS = {"Job": "jobs", "JobRun": "jobruns", "AuthSession": "authsessions"}


def objects(api: client.ApiClient, namespace: str, plural: str) -> list[dict[str, Any]]:
    custom = client.CustomObjectsApi(api)
    return list(custom.list_namespaced_custom_object(GROUP, VERSION, namespace, plural)["items"])


def apply(api: client.ApiClient, namespace: str, kind: str, name: str, spec: dict) -> None:
    plural = PLURALS[kind]
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, plural, body
    )


def get(api: client.ApiClient, namespace: str, plural: str, name: str) -> dict[str, Any]:
    custom = client.CustomObjectsApi(api)
    return dict(custom.get_namespaced_custom_object(GROUP, VERSION, namespace, plural, name))


def status_of(api: client.ApiClient, namespace: str, plural: str, name: str) -> dict[str, Any]:
    """The object's status; empty while it does not exist (yet)."""
    try:
        return dict(get(api, namespace, plural, name).get("status") or {})
    except client.ApiException as exc:
        if exc.status != 404:
            raise
        return {}


def conditions(resource: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in (resource.get("status") or {}).get("conditions", [])}


def add_pod_image(kubeconfig: Path, image: str, python: Path) -> None:
    """Pods of ``image`` run ``python`` as that image's own (one built with a project's
    environment by ``jobctl project install``): the kubelet harness reads this per Pod."""
    images_file = kubeconfig.parent / "run" / "pod-images.json"
    images = json.loads(images_file.read_text()) if images_file.exists() else {}
    images_file.write_text(json.dumps({**images, image: str(python)}))
