"""Kubernetes Events on the operator's resources: what ``kubectl describe`` shows a person."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from kubernetes.client import CoreV1Api

from ..engine import iso_ms
from ..spec.kube import API_VERSION


class EventPoster:
    def __init__(self, core: CoreV1Api, namespace: str, clock: Callable[[], int]) -> None:
        self.core = core
        self.namespace = namespace
        self.clock = clock

    async def post(
        self, kind: str, name: str, uid: str | None, reason: str, text: str, *, warning: bool
    ) -> None:
        """Failures to post are not worth failing anything for."""
        stamp = iso_ms(self.clock())
        event = {
            "metadata": {"generateName": f"{name}.", "namespace": self.namespace},
            "involvedObject": {
                "apiVersion": API_VERSION,
                "kind": kind,
                "name": name,
                "namespace": self.namespace,
                "uid": uid,
            },
            "reason": reason,
            "message": text[:1024],
            "type": "Warning" if warning else "Normal",
            "source": {"component": "jobctl-operator"},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.core.create_namespaced_event, self.namespace, event)
