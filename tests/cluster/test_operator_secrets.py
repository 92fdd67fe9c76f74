"""Secret references (``valueFrom.secretKeyRef``) in Job and AuthSession resources, end to end:
values read from real Secrets reach webhooks and logins, a changed Secret is used, a missing one
is reported on the resource, and no value appears in statuses, Events or the operator's log."""

from __future__ import annotations

import base64
from typing import Any

from kubernetes import client
from pytest_httpserver import HTTPServer

from tests.support.waiting import wait_for

from ._kube import apply, conditions, get

TOKEN_1 = "Bearer canary-token-7f3a9c1e"
TOKEN_2 = "Bearer canary-token-2b8d4e6f"
INLINE = "inline-canary-5d1e9a"
MEMBER_PASSWORD = "bookworm"  # the demo site's default member password


def secret_ref(name: str, key: str) -> dict[str, Any]:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def put_secret(core: client.CoreV1Api, namespace: str, name: str, data: dict[str, str]) -> None:
    body = {"metadata": {"name": name}, "stringData": data}
    try:
        core.create_namespaced_secret(namespace, body)
    except client.ApiException as exc:
        assert exc.status == 409
        core.replace_namespaced_secret(name, namespace, body)


def test_webhook_headers_come_from_a_secret_and_follow_its_changes(
    api: client.ApiClient, namespace: str, operator, site: str, httpserver: HTTPServer
) -> None:
    core = client.CoreV1Api(api)
    put_secret(core, namespace, "hook", {"token": TOKEN_1})
    httpserver.expect_request("/results").respond_with_data("ok")
    item = {"apiName": "flaky", "parameters": {"baseUrl": site, "succeedOnAttempt": 1}}
    apply(
        api,
        namespace,
        "Job",
        "secretive",
        {
            "payload": [item],
            "sink": {
                "type": "webhook",
                "url": httpserver.url_for("/results"),
                "headers": {"Authorization": secret_ref("hook", "token"), "X-Inline": INLINE},
            },
        },
    )
    apply(api, namespace, "JobRun", "secretive-1", {"jobRef": {"name": "secretive"}})
    wait_for(lambda: len(httpserver.log) >= 1, 120, "the first delivery")
    assert httpserver.log[0][0].headers["Authorization"] == TOKEN_1
    assert httpserver.log[0][0].headers["X-Inline"] == INLINE  # inline values still work

    put_secret(core, namespace, "hook", {"token": TOKEN_2})
    wait_for(
        lambda: "Secret hook changed: reading jobs/secretive again" in operator["log"].read_text(),
        30,
        "the operator to read the Secret again",
    )
    apply(api, namespace, "JobRun", "secretive-2", {"jobRef": {"name": "secretive"}})
    wait_for(lambda: len(httpserver.log) >= 2, 120, "the second delivery")
    assert httpserver.log[1][0].headers["Authorization"] == TOKEN_2
    assert conditions(get(api, namespace, "jobs", "secretive"))["Ready"] == "True"
    assert_nowhere(api, namespace, operator, TOKEN_1.split()[1], TOKEN_2.split()[1], INLINE)


def test_a_missing_secret_is_reported_on_the_job_until_it_exists(
    api: client.ApiClient, namespace: str, operator
) -> None:
    apply(
        api,
        namespace,
        "Job",
        "needs-aws",
        {
            "payload": [{"apiName": "flaky"}],
            "sink": {
                "type": "s3",
                "bucket": "b",
                "region": "us-east-1",
                "accessKeyId": secret_ref("aws", "id"),
                "secretAccessKey": secret_ref("aws", "key"),
            },
        },
    )

    def spec_error() -> str | None:
        status = get(api, namespace, "jobs", "needs-aws").get("status") or {}
        found = [c for c in status.get("conditions", []) if c["type"] == "SpecError"]
        return found[0]["message"] if found and found[0]["status"] == "True" else None

    message = wait_for(spec_error, 30, "the SpecError condition")
    assert "spec.sink.accessKeyId: secret 'aws' does not exist" in message
    events = (
        client.CoreV1Api(api)
        .list_namespaced_event(namespace, field_selector="involvedObject.name=needs-aws")
        .items
    )
    assert any(e.reason == "SpecError" and e.type == "Warning" for e in events)

    put_secret(client.CoreV1Api(api), namespace, "aws", {"id": "AKIACANARY0001"})
    wait_for(lambda: "no key 'key'" in (spec_error() or ""), 30, "the missing key reported")
    put_secret(
        client.CoreV1Api(api),
        namespace,
        "aws",
        {"id": "AKIACANARY0001", "key": "canary-secret-key-0001"},
    )
    wait_for(
        lambda: conditions(get(api, namespace, "jobs", "needs-aws")).get("Ready") == "True",
        30,
        "the Job to become Ready",
    )
    assert_nowhere(api, namespace, operator, "AKIACANARY0001", "canary-secret-key-0001")


def test_an_auth_session_resource_signs_in_with_a_password_from_a_secret(
    api: client.ApiClient, namespace: str, operator, site: str
) -> None:
    put_secret(client.CoreV1Api(api), namespace, "member", {"password": MEMBER_PASSWORD})
    apply(
        api,
        namespace,
        "AuthSession",
        "member",
        {"credentials": {"username": "reader", "password": secret_ref("member", "password")}},
    )
    wait_for(
        lambda: conditions(get(api, namespace, "authsessions", "member")).get("Ready") == "True",
        30,
        "the AuthSession to become Ready",
    )
    apply(
        api,
        namespace,
        "Job",
        "orders",
        {
            "payload": [{"apiName": "members/orders", "parameters": {}}],
            "auth_session": {"id": "member"},
            "worker": {"env": [{"name": "BOOKSTORE_URL", "value": site}]},
        },
    )
    apply(api, namespace, "JobRun", "orders-1", {"jobRef": {"name": "orders"}})

    def ended() -> dict[str, Any] | None:
        status = get(api, namespace, "jobruns", "orders-1").get("status") or {}
        return status if status.get("status") in ("COMPLETED", "FAILURE", "PAUSED") else None

    final = wait_for(ended, 180, "the JobRun to end")
    assert final["status"] == "COMPLETED", final
    assert final["successfulRuns"] >= 1
    assert_nowhere(api, namespace, operator, MEMBER_PASSWORD)


def assert_nowhere(api: client.ApiClient, namespace: str, operator, *values: str) -> None:
    """No secret value in any status, Event or the operator's log."""
    custom = client.CustomObjectsApi(api)
    statuses = [
        str(item.get("status"))
        for plural in ("jobs", "jobruns", "authsessions")
        for item in custom.list_namespaced_custom_object(
            "intuned.io", "v1alpha1", namespace, plural
        )["items"]
    ]
    events = [e.message or "" for e in client.CoreV1Api(api).list_namespaced_event(namespace).items]
    log = operator["log"].read_text()
    values += tuple(base64.b64encode(v.encode()).decode() for v in values)  # as Secrets hold them
    for value in values:
        for where, texts in (("a status", statuses), ("an Event", events), ("the log", [log])):
            assert not any(value in text for text in texts), f"{value!r} leaked into {where}"
