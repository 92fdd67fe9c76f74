"""POST a message to a webhook receiver and classify the answer.

Redirects are not followed (a redirect to an internal address would bypass the target check,
and a receiver that moved should be reconfigured, not guessed at): a 3xx is a failed attempt.
Environment proxies are ignored (``trust_env=False``) so that where a result goes depends only
on the Job's definition.
"""

from __future__ import annotations

import httpx

from .outcome import DELIVERED, Outcome
from .policy import parse_retry_after
from .signing import signature_headers

USER_AGENT = "jobctl-webhooks/1"
_RETRY_AFTER_STATUSES = frozenset({429, 503})


class WebhookSender:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=timeout_s,
            trust_env=False,
            headers={"user-agent": USER_AGENT},
        )

    async def post(
        self,
        url: str,
        *,
        body: bytes,
        message_id: str,
        headers: dict[str, str],
        signing_secret: str | None,
        now_ms: int,
    ) -> Outcome:
        sent = {"content-type": "application/json", **headers, "webhook-id": message_id}
        if signing_secret is not None:
            sent |= signature_headers(signing_secret, message_id, now_ms // 1000, body)
        try:
            response = await self._client.post(url, content=body, headers=sent)
        except httpx.TimeoutException:
            return Outcome("retry", f"no answer within {self.timeout_s:g}s")
        except httpx.HTTPError as exc:
            return Outcome("retry", f"{type(exc).__name__}: {exc}")
        status = response.status_code
        if 200 <= status < 300:
            return DELIVERED
        if status == 410:
            return Outcome("gone", "HTTP 410 Gone: the receiver asked for no more deliveries")
        retry_after = None
        if status in _RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"), now_ms)
        detail = f"HTTP {status}"
        if 300 <= status < 400:
            detail += " (redirects are not followed; point the Job at the final URL)"
        return Outcome("retry", detail, retry_after)

    async def close(self) -> None:
        await self._client.aclose()
