"""Tokens that name what they stand for: ``subject.mac``, the MAC an HMAC of the subject under a
key of the launcher's and a purpose. A token is checked without a table (the callback does so
before it reads a byte of a request), and one minted for one purpose (a pool Pod) never passes
for another (an attempt)."""

from __future__ import annotations

import hashlib
import hmac


class Credentials:
    def __init__(self, key: bytes, purpose: str) -> None:
        self._key = key
        self._purpose = purpose.encode()

    def mint(self, subject: str) -> str:
        mac = hmac.new(self._key, self._purpose + b":" + subject.encode(), hashlib.sha256)
        return f"{subject}.{mac.hexdigest()}"

    def subject(self, token: str) -> str | None:
        """What ``token`` stands for, if it is one of these; else None."""
        subject = token.rpartition(".")[0]
        genuine = bool(subject) and hmac.compare_digest(self.mint(subject), token)
        return subject if genuine else None
