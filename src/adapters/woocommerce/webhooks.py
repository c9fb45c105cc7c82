"""Managing a store's webhooks: list, create with our own secret, delete, and keep healthy."""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable
from typing import Final

import httpx

from wooconnect.adapters.woocommerce import decode
from wooconnect.app.errors import UpstreamRejected, UpstreamUndecodable
from wooconnect.app.ports.store import WEBHOOK_TOPICS, StoreAccess
from wooconnect.domain.store import StoreWebhook

# The topics the service registers (see `app.ports.store.WEBHOOK_TOPICS`).
WebhookTopics: Final[tuple[str, ...]] = WEBHOOK_TOPICS

_SECRET_ALPHABET = string.ascii_letters + string.digits


def generate_webhook_secret(length: int = 40) -> str:
    """A fresh webhook secret. Alphanumeric on purpose: a store HTML-decodes the secret before
    signing, so `&`, `<`, quotes would make signatures mismatch."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length))


class WebhookManager:
    """The webhook half of the store client; mixed into `WooCommerceClient`."""

    _page_size: int

    # `WooCommerceClient._request`: send with the connection's auth mode, raise the app error
    # for any failure.
    _request: Callable[..., Awaitable[httpx.Response]]

    async def list_webhooks(self, access: StoreAccess) -> list[StoreWebhook]:
        """Every webhook of the store, whatever its status."""
        found: list[StoreWebhook] = []
        page = 1
        while True:
            params = {"status": "all", "per_page": str(self._page_size), "page": str(page)}
            response = await self._request(access, "GET", "webhooks", params)
            items, errors = decode.decode_records(
                response.content, decode.WEBHOOK_STRUCT, decode.to_webhook
            )
            if errors:
                raise UpstreamUndecodable(f"webhook {errors[0].record_id}: {errors[0].reason}")
            found.extend(items)
            total_pages = response.headers.get("X-WP-TotalPages", "1").strip()
            if not items or page >= (int(total_pages) if total_pages.isdigit() else page):
                return found
            page += 1

    async def create_webhook(
        self, access: StoreAccess, *, topic: str, delivery_url: str, secret: str, name: str
    ) -> StoreWebhook:
        """Register a webhook with *our* secret: a store never returns the one it generates.

        The store pings `delivery_url` before answering; a failed ping does not fail this.
        """
        if not secret or not secret.isalnum() or not secret.isascii():
            raise ValueError("a webhook secret must be non-empty ASCII letters and digits")
        body = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret}
        response = await self._request(access, "POST", "webhooks", {}, json=body, idempotent=False)
        try:
            return decode.decode_webhook(response.content)
        except decode.UndecodablePayload as exc:
            raise UpstreamUndecodable(str(exc)) from None

    async def delete_webhook(self, access: StoreAccess, webhook_id: int) -> None:
        """Delete for good (`force=true`: webhooks cannot be trashed); a webhook that is
        already gone counts as deleted."""
        try:
            await self._request(access, "DELETE", f"webhooks/{webhook_id}", {"force": "true"})
        except UpstreamRejected as exc:
            if exc.status == 404 and exc.store_code.endswith("_invalid_id"):
                return
            raise

    async def ensure_webhooks(
        self,
        access: StoreAccess,
        *,
        delivery_url: str,
        secret: str,
        name_prefix: str = "wooconnect",
        topics: tuple[str, ...] = WEBHOOK_TOPICS,
        recreate: bool = False,
    ) -> list[StoreWebhook]:
        """Make exactly one active webhook per topic deliver to `delivery_url`.

        A webhook that is not active is deleted and created again rather than re-enabled:
        re-enabling keeps its failure count, so one more failure would disable it again.
        Duplicates for a topic are removed. `recreate=True` replaces every webhook (e.g. after
        a new secret), since the store never tells us which secret a webhook has.
        """
        existing = [w for w in await self.list_webhooks(access) if w.delivery_url == delivery_url]
        kept: list[StoreWebhook] = []
        for topic in topics:
            mine = [w for w in existing if w.topic == topic]
            healthy = [w for w in mine if w.status == "active" and not recreate]
            keep = healthy[0] if healthy else None
            for webhook in mine:
                if webhook is not keep:
                    await self.delete_webhook(access, webhook.id)
            if keep is None:
                keep = await self.create_webhook(
                    access,
                    topic=topic,
                    delivery_url=delivery_url,
                    secret=secret,
                    name=f"{name_prefix} {topic}",
                )
            kept.append(keep)
        return kept
