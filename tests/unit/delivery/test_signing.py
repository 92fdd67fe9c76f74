"""Our Standard Webhooks signatures verify with the reference implementation."""

from __future__ import annotations

import base64
import json
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from controller.delivery import signature_headers

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def test_a_signed_body_verifies_with_the_standardwebhooks_library() -> None:
    body = json.dumps({"apiInfo": {"name": "é", "result": [1, 2]}}).encode()
    now = int(time.time())  # the library refuses timestamps more than 5 minutes off its clock
    headers = {"webhook-id": "msg_1", **signature_headers(SECRET, "msg_1", now, body)}
    assert Webhook(SECRET).verify(body, headers) == json.loads(body)


def test_a_changed_body_or_id_does_not_verify() -> None:
    body = b'{"a":1}'
    signed = signature_headers(SECRET, "msg_1", int(time.time()), body)
    verifier = Webhook(SECRET)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(b'{"a":2}', {"webhook-id": "msg_1", **signed})
    with pytest.raises(WebhookVerificationError):
        verifier.verify(body, {"webhook-id": "msg_2", **signed})
