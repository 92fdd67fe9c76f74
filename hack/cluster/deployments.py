"""Plays the Deployment controller (and the garbage collector, for its Pods) on the test control
plane, which runs no controller-manager, so that a chart's Deployment really gets its Pods.

Deliberately small, by polling: each Deployment has ``spec.replicas`` Pods made from its template
(named ``<deployment>-<template hash>-<random>``, owned by the Deployment; no ReplicaSet between),
Pods of another template are deleted before new ones are made (the ``Recreate`` strategy, for
every Deployment), a Pod that ended or went away is replaced, a deleted Deployment's Pods are
deleted, and the status counts the Pods that run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import time
from typing import Any

from kubernetes import client
from kubernetes.client.rest import ApiException

HASH_LABEL = "pod-template-hash"
PERIOD_S = 1.0


def template_hash(template: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


class Deployments:
    def __init__(self) -> None:
        self.api = client.ApiClient()
        self.apps = client.AppsV1Api(self.api)
        self.core = client.CoreV1Api(self.api)
        self.had_deployments = True
        """Deployments were there at the last period (their Pods may still need deleting)."""

    def run(self) -> None:
        while True:
            try:
                self.reconcile_all()
            except Exception as exc:  # an apiserver restarting: try again next period
                print(f"harness: deployments: {type(exc).__name__}: {exc}", flush=True)
            time.sleep(PERIOD_S)

    def reconcile_all(self) -> None:
        deployments = self.apps.list_deployment_for_all_namespaces().items
        if not deployments and not self.had_deployments:
            return  # most tests make none: no Pods of theirs to list every period
        self.had_deployments = bool(deployments)
        owned = self.core.list_pod_for_all_namespaces(label_selector=HASH_LABEL).items
        alive = {d.metadata.uid for d in deployments}
        for pod in owned:
            owners = {o.uid for o in pod.metadata.owner_references or [] if o.kind == "Deployment"}
            if owners and not owners & alive and pod.metadata.deletion_timestamp is None:
                self.delete(pod)
        for deployment in deployments:
            mine = [
                pod
                for pod in owned
                if any(
                    o.uid == deployment.metadata.uid for o in pod.metadata.owner_references or []
                )
            ]
            self.reconcile(deployment, mine)

    def reconcile(self, deployment: Any, pods: list[Any]) -> None:
        body = self.api.sanitize_for_serialization(deployment)
        template = body["spec"]["template"]
        wanted = template_hash(template)
        current, stale = [], []
        for pod in pods:
            if pod.metadata.deletion_timestamp is not None:
                stale.append(pod)
            elif pod.metadata.labels.get(HASH_LABEL) != wanted or pod.status.phase in (
                "Succeeded",
                "Failed",
            ):
                self.delete(pod)
                stale.append(pod)
            else:
                current.append(pod)
        replicas = deployment.spec.replicas if deployment.spec.replicas is not None else 1
        if not stale:  # Recreate: the old Pods are gone before new ones start
            for _ in range(replicas - len(current)):
                self.create(body, template, wanted)
        for pod in current[replicas:]:
            self.delete(pod)
        running = sum(1 for pod in current if pod.status.phase == "Running")
        status = {
            "observedGeneration": deployment.metadata.generation,
            "replicas": len(current),
            "updatedReplicas": len(current),
            "readyReplicas": running,
            "availableReplicas": running,
        }
        with contextlib.suppress(ApiException):
            self.apps.patch_namespaced_deployment_status(
                deployment.metadata.name, deployment.metadata.namespace, {"status": status}
            )

    def create(self, deployment: dict[str, Any], template: dict[str, Any], wanted: str) -> None:
        metadata = deployment["metadata"]
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                **(template.get("metadata") or {}),
                "name": f"{metadata['name']}-{wanted}-{secrets.token_hex(3)}",
                "labels": {
                    **(template.get("metadata") or {}).get("labels", {}),
                    HASH_LABEL: wanted,
                },
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": metadata["name"],
                        "uid": metadata["uid"],
                        "controller": True,
                    }
                ],
            },
            "spec": template["spec"],
        }
        with contextlib.suppress(ApiException):
            self.core.create_namespaced_pod(metadata["namespace"], pod)

    def delete(self, pod: Any) -> None:
        with contextlib.suppress(ApiException):
            self.core.delete_namespaced_pod(pod.metadata.name, pod.metadata.namespace)
