"""The operator's status writes against the real apiserver: conflicts (409) are retried, not
fatal; a status the apiserver refuses is reported and does not stop later writes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from controller.operator.writer import StatusWriter

from ._kube import apply, get


class StaleFirstWrites(client.CustomObjectsApi):  # type: ignore[misc]
    """Sends the first ``stale`` status patches with an outdated ``resourceVersion``, which the
    apiserver answers with a real 409 Conflict, as it does when another writer got there first."""

    def __init__(self, api: client.ApiClient, stale: int) -> None:
        super().__init__(api)
        self.stale = stale
        self.answers: list[int] = []

    def patch_namespaced_custom_object_status(self, *args: Any, **kwargs: Any) -> Any:
        *rest, body = args
        if self.stale:
            self.stale -= 1
            body = {**body, "metadata": {"resourceVersion": "1"}}
        try:
            result = super().patch_namespaced_custom_object_status(*rest, body, **kwargs)
        except ApiException as exc:
            self.answers.append(int(exc.status))
            raise
        self.answers.append(200)
        return result


@pytest.fixture
def job_run(api: client.ApiClient) -> tuple[str, str]:
    namespace = f"writer-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": namespace}})
    apply(api, namespace, "JobRun", "target", {"jobRef": {"name": "some-job"}})
    return namespace, "target"


def test_a_conflicting_status_write_is_retried_until_it_lands(
    api: client.ApiClient, job_run: tuple[str, str]
) -> None:
    namespace, name = job_run
    custom = StaleFirstWrites(api, stale=2)
    said: list[str] = []
    writer = StatusWriter(custom, namespace, said.append)
    asyncio.run(writer_once(writer, "jobruns", name, {"status": "COMPLETED", "payloads": 3}))
    assert custom.answers == [409, 409, 200]
    status = get(api, namespace, "jobruns", name)["status"]
    assert (status["status"], status["payloads"]) == ("COMPLETED", 3)
    assert said == []


def test_a_refused_status_is_reported_and_later_writes_still_land(
    api: client.ApiClient, job_run: tuple[str, str]
) -> None:
    namespace, name = job_run
    custom = StaleFirstWrites(api, stale=0)
    said: list[str] = []
    writer = StatusWriter(custom, namespace, said.append)
    asyncio.run(writer_once(writer, "jobruns", name, {"status": "NOT-A-STATUS"}))
    assert custom.answers == [422]
    assert said == [f"jobruns/{name}: status not written: HTTP 422 Unprocessable Entity"]
    asyncio.run(writer_once(writer, "jobruns", name, {"status": "PENDING"}))
    assert get(api, namespace, "jobruns", name)["status"]["status"] == "PENDING"
    asyncio.run(writer_once(writer, "jobruns", "gone", {"status": "PENDING"}))
    assert custom.answers[-1] == 404 and len(said) == 1  # a deleted object is not an error


async def writer_once(writer: StatusWriter, plural: str, name: str, status: dict[str, Any]) -> None:
    writer.mark(plural, name, lambda: {"status": "PENDING"})
    writer.mark(plural, name, lambda: status)  # coalesced: only the latest is written
    await writer.flush()
