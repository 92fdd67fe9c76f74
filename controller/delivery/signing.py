"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``, HMAC-SHA256 keyed with the
base64-decoded part of the ``whsec_`` secret, sent as ``webhook-signature: v1,<base64>``. This is
a few lines on purpose: tests verify it with the reference ``standardwebhooks`` library, so the
two implementations check each other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature_headers(
    secret: str, message_id: str, timestamp_s: int, body: bytes
) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp_s}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return {
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
