"""The webhook sender over httpx: one POST, short timeouts, no redirects, public addresses only.

A subscriber URL is chosen by a user. Without the address check the service would POST into
its own network on request; without refusing redirects a public URL could bounce it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from wooconnect.adapters.woocommerce.ssrf import host_addresses, refusal_reason
from wooconnect.app.ports.subscriptions import SubscriberUnreachable

USER_AGENT = "wooconnect-webhooks/0.1"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class HttpxWebhookSender:
    """Implements the `WebhookSender` port. With `client` it shares that client's connection
    pool (the container's); without one it opens a client per delivery."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        allow_private: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._client = client
        self._allow_private = allow_private
        self._timeout = timeout

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if not self._allow_private:
            await _require_public(url)
        sent = {"User-Agent": USER_AGENT, **headers}
        try:
            if self._client is not None:
                return await self._send(self._client, url, body, sent)
            async with httpx.AsyncClient(follow_redirects=False) as client:
                return await self._send(client, url, body, sent)
        except httpx.TimeoutException:
            raise SubscriberUnreachable("the subscriber did not answer in time") from None
        except httpx.HTTPError as exc:
            raise SubscriberUnreachable(f"the subscriber could not be reached: {exc}") from None

    async def _send(
        self, client: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str]
    ) -> int:
        # Streaming without reading: only the status matters, and a subscriber must not be
        # able to make the worker download a large body.
        async with client.stream(
            "POST",
            url,
            content=body,
            headers=dict(headers),
            timeout=self._timeout,
            follow_redirects=False,
        ) as response:
            return response.status_code


async def _require_public(url: str) -> None:
    """Raise `SubscriberUnreachable` unless every address of the URL's host is public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    addresses = await host_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise SubscriberUnreachable(f"the subscriber's host {host} does not resolve")
    for address in addresses:
        reason = refusal_reason(address)
        if reason is not None:
            raise SubscriberUnreachable(f"the subscriber's host {host} is {reason} ({address})")
