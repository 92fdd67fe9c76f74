"""Every secret-bearing field is found, and redaction masks each of them in text."""

from __future__ import annotations

import base64

import pytest

from controller.spec import Redactor, load_job_file_text, secret_values

CANARY = "c4n4ry-Secret-7f3a"
SIGNING = "whsec_" + base64.b64encode(CANARY.encode() * 2).decode()

EVERY_SECRET = f"""{{
  payload: [{{api: "a"}}],
  configuration: {{proxy: "http://user:{CANARY}-proxy@proxy.example:8080"}},
  sink: {{type: "webhook", url: "https://r.example/", headers: {{Authorization: "Bearer {CANARY}-sink"}},
          signingSecret: "{SIGNING}"}},
  notifications: [{{type: "webhook", url: "https://n.example/", headers: {{"x-token": "{CANARY}-note"}}}}],
}}"""


def _definition(text: str):
    loaded = load_job_file_text(text, "job.job.jsonc")
    assert not loaded.problems, [str(p) for p in loaded.problems]
    return loaded.jobs[0].definition


def test_every_secret_field_is_collected_including_a_proxy_password() -> None:
    found = secret_values(_definition(EVERY_SECRET))
    assert {f"Bearer {CANARY}-sink", SIGNING, f"{CANARY}-note", f"{CANARY}-proxy"} <= found


def test_s3_keys_are_secrets() -> None:
    text = f'{{payload: [{{api: "a"}}], sink: {{type: "s3", bucket: "b", region: "r", accessKeyId: "AKIA{CANARY}", secretAccessKey: "{CANARY}-key"}}}}'
    assert {f"AKIA{CANARY}", f"{CANARY}-key"} <= secret_values(_definition(text))


def test_redaction_masks_longest_first_and_leaves_other_text() -> None:
    redactor = Redactor([f"{CANARY}-proxy", CANARY, "ab"])
    text = f"connect to http://user:{CANARY}-proxy@p failed; token {CANARY}; ab stays"
    assert redactor.redact(text) == "connect to http://user:***@p failed; token ***; ab stays"


@pytest.mark.parametrize("secret", ["not-a-secret!", "whsec_!!!", "whsec_=", "whsec_abc"])
def test_a_malformed_signing_secret_is_a_located_error_that_does_not_echo_it(secret: str) -> None:
    text = f'{{payload: [{{api: "a"}}],\n sink: {{type: "webhook", url: "https://r.example/", signingSecret: "{secret}"}}}}'
    (problem,) = load_job_file_text(text, "job.job.jsonc").problems
    assert str(problem).startswith("job.job.jsonc:2:")
    assert "whsec_" in problem.message and secret not in str(problem)
