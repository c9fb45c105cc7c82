"""The store's webhooks for a connection: registered on activation, kept healthy, removed on
disconnect."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from wooconnect.app.errors import UpstreamError
from wooconnect.app.ports.store import NewWebhook, StoreAccess, StoreClient
from wooconnect.domain.connection import Connection, SyncSettings
from wooconnect.domain.store import StoreWebhook

log = logging.getLogger(__name__)

CUSTOMER_TOPICS = ("customer.created", "customer.updated", "customer.deleted")
ORDER_TOPICS = ("order.created", "order.updated", "order.deleted", "order.restored")


def topics_for(settings: SyncSettings) -> tuple[str, ...]:
    """The topics the sync settings need. Orders carry transactions and both triggers."""
    topics: tuple[str, ...] = ()
    if settings.contacts:
        topics += CUSTOMER_TOPICS
    if (
        settings.orders
        or settings.transactions
        or settings.order_submitted_trigger
        or settings.payment_received_trigger
    ):
        topics += ORDER_TOPICS
    return topics


@dataclass(frozen=True, slots=True)
class WebhookHealth:
    registered: int
    healthy: bool
    created: tuple[str, ...] = ()
    recreated: tuple[str, ...] = ()


class WebhookRegistrar:
    def __init__(self, store: StoreClient, public_url: str, app_name: str = "wooconnect") -> None:
        self._store = store
        self._public_url = public_url.rstrip("/")
        self._app_name = app_name

    def delivery_url(self, connection_id: str) -> str:
        return f"{self._public_url}/webhooks/woocommerce/{connection_id}"

    async def _ours(self, connection: Connection) -> list[StoreWebhook]:
        url = self.delivery_url(connection.id)
        hooks = await self._store.list_webhooks(StoreAccess.of(connection))
        return [hook for hook in hooks if hook.delivery_url == url]

    def _new(self, connection: Connection, topics: Sequence[str]) -> list[NewWebhook]:
        assert connection.webhook_secret is not None
        url = self.delivery_url(connection.id)
        secret = connection.webhook_secret
        return [NewWebhook(topic, url, secret, f"{self._app_name} {topic}") for topic in topics]

    async def register(self, connection: Connection) -> None:
        """Create one webhook per needed topic, replacing any left from an earlier activation
        (their secret is not ours any more): one request to list them, one batch to make the
        changes."""
        stale = [hook.id for hook in await self._ours(connection)]
        await self._store.change_webhooks(
            StoreAccess.of(connection),
            create=self._new(connection, topics_for(connection.sync_settings)),
            delete=stale,
        )

    async def ensure(self, connection: Connection) -> WebhookHealth:
        """Create missing webhooks and recreate disabled ones (re-enabling a disabled webhook
        keeps its failure count, so its next failure would disable it again), in one batch."""
        ours = await self._ours(connection)
        by_topic = {hook.topic: hook for hook in ours}
        created: list[str] = []
        recreated: list[str] = []
        stale: list[int] = []
        for topic in topics_for(connection.sync_settings):
            hook = by_topic.get(topic)
            if hook is None:
                created.append(topic)
            elif hook.status != "active":
                stale.append(hook.id)
                recreated.append(topic)
        if created or recreated:
            await self._store.change_webhooks(
                StoreAccess.of(connection),
                create=self._new(connection, created + recreated),
                delete=stale,
            )
        return WebhookHealth(
            registered=len(topics_for(connection.sync_settings)),
            healthy=not created and not recreated,
            created=tuple(created),
            recreated=tuple(recreated),
        )

    async def remove(self, connection: Connection) -> None:
        """Best effort: a store that refuses or is down keeps its webhooks, which then point at
        a connection that answers 404."""
        if connection.credentials is None:
            return
        try:
            ours = [hook.id for hook in await self._ours(connection)]
            if ours:
                await self._store.change_webhooks(StoreAccess.of(connection), delete=ours)
        except UpstreamError as exc:
            log.warning("could not remove the store's webhooks: %s", exc)
