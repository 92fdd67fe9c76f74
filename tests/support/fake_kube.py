"""In-memory stand-ins for the kubernetes client's ``CustomObjectsApi`` and ``CoreV1Api``, for
unit tests of the operator's driver (in the manner of the CronJob controller's fake clients).

They keep objects in dicts, give them UIDs and generations, answer 404/409 as the apiserver
does, and record Events and deleted Pods so that tests can assert on them.
"""

from __future__ import annotations

import itertools
from typing import Any

from kubernetes.client.rest import ApiException

_uids = itertools.count(1)


def _error(status: int) -> ApiException:
    return ApiException(status=status, reason={404: "Not Found", 409: "Conflict"}.get(status))


class FakeCustomObjects:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        """(plural, name) -> the object."""
        self.status_writes = 0
        self.crds_missing = 0
        """Lists that answer 404 (the CRDs deleted) before they answer again."""

    def add(self, plural: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create as ``kubectl apply`` would (also used by the operator through the API)."""
        metadata = body.setdefault("metadata", {})
        key = (plural, metadata["name"])
        if key in self.objects:
            raise _error(409)
        metadata.update(uid=f"uid-{next(_uids)}", generation=1)
        self.objects[key] = body
        return body

    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **_: Any
    ) -> dict[str, Any]:
        if self.crds_missing > 0:
            self.crds_missing -= 1
            raise _error(404)
        return {"items": [o for (p, _n), o in self.objects.items() if p == plural]}

    def create_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return self.add(plural, body)

    def patch_namespaced_custom_object_status(
        self, group: str, version: str, namespace: str, plural: str, name: str, body: Any
    ) -> dict[str, Any]:
        found = self._get(plural, name)
        found["status"] = body["status"]
        self.status_writes += 1
        return found

    def patch_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, body: Any
    ) -> dict[str, Any]:
        found = self._get(plural, name)
        found.setdefault("spec", {}).update(body.get("spec") or {})
        found["metadata"]["generation"] += 1
        return found

    def delete_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, **_: Any
    ) -> dict[str, Any]:
        self._get(plural, name)
        return self.objects.pop((plural, name))

    def status_of(self, plural: str, name: str) -> dict[str, Any]:
        return dict(self._get(plural, name).get("status") or {})

    def _get(self, plural: str, name: str) -> dict[str, Any]:
        found = self.objects.get((plural, name))
        if found is None:
            raise _error(404)
        return found


class FakeCore:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.pod_deletions: list[str] = []
        self.secrets: dict[str, dict[str, str]] = {}

    def create_namespaced_event(self, namespace: str, body: dict[str, Any]) -> None:
        self.events.append(body)

    def delete_collection_namespaced_pod(self, namespace: str, **options: Any) -> None:
        self.pod_deletions.append(str(options.get("label_selector")))

    def read_namespaced_secret(self, name: str, namespace: str) -> Any:
        raise _error(404)

    def reasons(self) -> list[str]:
        return [e["reason"] for e in self.events]
