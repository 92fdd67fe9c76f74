"""``valueFrom.secretKeyRef`` in secret fields: resolved through the caller's lookup in
resources, refused with a located reason in files, shape-checked for ``jobctl validate``."""

from __future__ import annotations

from typing import Any

import pytest

from controller.spec import (
    AuthSessionDefinition,
    JobDefinition,
    ResourceSpecError,
    crd_documents,
    load_job_file_text,
    load_manifest_text,
    parse_resource_spec,
    referenced_secrets,
)


def ref(name: str, key: str) -> dict[str, Any]:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


SECRETS = {
    "hooks": {"token": "Bearer t0ken", "signing": "whsec_" + "QUJDREVGR0hJSktMTU5PUA=="},
    "aws": {"id": "AKIA0001", "key": "s3cr3t"},
}


def lookup(name: str, key: str) -> str:
    if name not in SECRETS or key not in SECRETS[name]:
        raise LookupError(f"no {name}/{key}")
    return SECRETS[name][key]


def job(**extra: Any) -> dict[str, Any]:
    return {"payload": [{"apiName": "a"}], **extra}


WEBHOOK = {
    "type": "webhook",
    "url": "https://example.com/hook",
    "headers": {"Authorization": ref("hooks", "token")},
    "signingSecret": ref("hooks", "signing"),
}
S3 = {
    "type": "s3",
    "bucket": "b",
    "region": "r",
    "accessKeyId": ref("aws", "id"),
    "secretAccessKey": ref("aws", "key"),
}


def test_every_secret_field_of_a_resource_takes_its_value_from_the_lookup() -> None:
    webhook = parse_resource_spec(
        JobDefinition, job(sink=WEBHOOK, notifications=[WEBHOOK]), secrets=lookup
    )
    assert webhook.sink is not None and webhook.sink.type == "webhook"
    assert webhook.sink.headers["Authorization"].get_secret_value() == "Bearer t0ken"
    assert webhook.notifications[0].signingSecret is not None
    s3 = parse_resource_spec(JobDefinition, job(sink=S3), secrets=lookup)
    assert s3.sink is not None and s3.sink.type == "s3"
    assert s3.sink.secretAccessKey.get_secret_value() == "s3cr3t"
    session = parse_resource_spec(
        AuthSessionDefinition,
        {"credentials": {"user": "reader", "password": ref("aws", "key"), "other": {"env": "X"}}},
        secrets=lookup,
    )
    assert session.credentials is not None
    assert session.credentials["password"].get_secret_value() == "s3cr3t"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (job(sink={**S3, "accessKeyId": ref("aws", "nope")}), "spec.sink.accessKeyId: no aws/nope"),
        (
            job(sink={**S3, "accessKeyId": {"valueFrom": {"secretKeyRef": {"name": "aws"}}}}),
            "spec.sink.accessKeyId: a value from a Secret is written",
        ),
        (
            job(sink={**WEBHOOK, "signingSecret": ref("hooks", "token")}),
            "spec.sink.signingSecret: the signing secret is not a Standard Webhooks secret",
        ),
    ],
)
def test_a_bad_reference_or_value_names_the_field(spec: dict[str, Any], expected: str) -> None:
    with pytest.raises(ResourceSpecError) as raised:
        parse_resource_spec(JobDefinition, spec, secrets=lookup)
    assert raised.value.problems[0].startswith(expected)
    assert "t0ken" not in str(raised.value)


def test_a_job_file_refuses_references_with_a_located_reason() -> None:
    text = '{\n  "payload": [{"apiName": "a"}],\n  "sink": {"type": "webhook", "url": "https://e.com",\n    "headers": {"A": {"valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}}}\n}\n'
    problems = load_job_file_text(text, "x.job.jsonc").problems
    assert [str(p).split(": ", 1)[0] for p in problems] == ["x.job.jsonc:4:22"]
    assert "works in Job and AuthSession resources" in problems[0].message


def test_validate_accepts_references_in_manifests_without_reading_them() -> None:
    manifest = """apiVersion: intuned.io/v1alpha1
kind: Job
metadata: {name: hooked}
spec:
  payload: [{apiName: a}]
  sink:
    type: webhook
    url: https://example.com/hook
    signingSecret: {valueFrom: {secretKeyRef: {name: hooks, key: signing}}}
"""
    assert load_manifest_text(manifest, "m.yaml", secret_references=True).problems == []
    assert load_manifest_text(manifest, "m.yaml").problems != []


def test_referenced_secrets_are_found_at_any_depth() -> None:
    assert referenced_secrets(job(sink=S3, notifications=[WEBHOOK])) == {"aws", "hooks"}


def test_the_crd_leaves_secret_fields_to_the_parser_and_documents_the_reference() -> None:
    crd = crd_documents()["intuned.io_jobs.yaml"]
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    access_key = spec["properties"]["sink"]["properties"]["accessKeyId"]
    assert access_key["x-kubernetes-preserve-unknown-fields"] is True
    assert "secretKeyRef" in access_key["description"]
