"""An in-memory store behind the store-client port, for unit tests of the use cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from wooconnect.app.errors import UpstreamRejected, UpstreamUnavailable
from wooconnect.app.ports.store import CredentialCheck, NewWebhook, StoreAccess
from wooconnect.domain.store import StoreCustomer, StoreOrder, StorePage, StoreRefund, StoreWebhook

T = TypeVar("T")


@dataclass
class FakeStoreClient:
    """Pages like WooCommerce (`role=all`, `status=any` without drafts or trash)."""

    customers_: list[StoreCustomer] = field(default_factory=list)
    orders_: list[StoreOrder] = field(default_factory=list)
    refunds_: list[StoreRefund] = field(default_factory=list)
    page_size: int = 100
    valid_keys: set[str] = field(default_factory=set)
    rejected: bool = False
    # Fail with a transient error when this page number is requested, once.
    unavailable_on_page: int | None = None
    webhooks: list[StoreWebhook] = field(default_factory=list)
    # Webhook batch requests (`change_webhooks`) made.
    batches: int = 0
    pages_fetched: list[tuple[str, int]] = field(default_factory=list)
    # Let the event loop turn before each page, as a request to a real store does.
    turn_between_pages: bool = False
    # The ids of each `orders_with_ids` call.
    orders_asked_for: list[list[int]] = field(default_factory=list)

    def _check(self, access: StoreAccess) -> None:
        key = access.credentials.consumer_key
        if self.rejected or (self.valid_keys and key not in self.valid_keys):
            raise UpstreamRejected(
                401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
            )

    async def check_credentials(self, access: StoreAccess) -> CredentialCheck:
        self._check(access)
        return CredentialCheck(query_string_auth=False)

    async def _pages(
        self, kind: str, access: StoreAccess, items: Sequence[T], start_page: int
    ) -> AsyncIterator[StorePage[T]]:
        self._check(access)
        total = len(items)
        pages = max(1, -(-total // self.page_size))
        for page in range(start_page, pages + 1):
            if self.unavailable_on_page == page:
                self.unavailable_on_page = None
                raise UpstreamUnavailable("503 from the store", retry_after=0.0)
            if self.turn_between_pages:
                await asyncio.sleep(0)
            self._check(access)
            self.pages_fetched.append((kind, page))
            chunk = items[(page - 1) * self.page_size : page * self.page_size]
            yield StorePage(tuple(chunk), page, total, pages)

    def customers(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        return self._pages(
            "customers", access, sorted(self.customers_, key=lambda c: c.id), start_page
        )

    async def customers_registered_since(
        self, access: StoreAccess, since: datetime
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        newest_first = sorted(
            self.customers_,
            key=lambda c: (c.date_created_gmt or datetime.max.replace(tzinfo=UTC), c.id),
            reverse=True,
        )
        async for page in self._pages("new_customers", access, newest_first, 1):
            fresh = tuple(
                c for c in page.items if c.date_created_gmt is None or c.date_created_gmt > since
            )
            if fresh:
                yield StorePage(fresh, page.page, page.total, page.total_pages)
            if len(fresh) < len(page.items):
                return

    def _listed_orders(self) -> list[StoreOrder]:
        return [o for o in self.orders_ if o.status not in {"trash", "checkout-draft"}]

    def orders(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        by_id = sorted(self._listed_orders(), key=lambda o: o.id)
        return self._pages("orders", access, by_id, start_page)

    def orders_changed_since(
        self, access: StoreAccess, since: datetime, *, overlap: timedelta = timedelta(minutes=2)
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        # The orders do not change while a test reads them: plain pages serve.
        since -= overlap
        modified = [
            o
            for o in self._listed_orders()
            if o.date_modified_gmt is not None and o.date_modified_gmt > since
        ]
        modified.sort(key=lambda o: (o.date_modified_gmt or since, o.id))
        return self._pages("orders", access, modified, 1)

    def refunds(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreRefund]]:
        return self._pages("refunds", access, sorted(self.refunds_, key=lambda r: r.id), start_page)

    async def get_order(self, access: StoreAccess, order_id: int) -> StoreOrder | None:
        self._check(access)
        return next((o for o in self.orders_ if o.id == order_id), None)

    async def orders_with_ids(
        self, access: StoreAccess, order_ids: Collection[int]
    ) -> list[StoreOrder]:
        self._check(access)
        wanted = set(order_ids)
        self.orders_asked_for.append(sorted(wanted))
        return sorted((o for o in self._listed_orders() if o.id in wanted), key=lambda o: o.id)

    async def get_customer(self, access: StoreAccess, customer_id: int) -> StoreCustomer | None:
        self._check(access)
        return next((c for c in self.customers_ if c.id == customer_id), None)

    async def list_webhooks(self, access: StoreAccess) -> list[StoreWebhook]:
        self._check(access)
        return list(self.webhooks)

    async def create_webhook(
        self, access: StoreAccess, *, topic: str, delivery_url: str, secret: str, name: str
    ) -> StoreWebhook:
        self._check(access)
        next_id = max((h.id for h in self.webhooks), default=999) + 1
        hook = StoreWebhook(next_id, topic, delivery_url, "active")
        self.webhooks.append(hook)
        return hook

    async def delete_webhook(self, access: StoreAccess, webhook_id: int) -> None:
        self._check(access)
        self.webhooks = [h for h in self.webhooks if h.id != webhook_id]

    async def change_webhooks(
        self,
        access: StoreAccess,
        *,
        create: Sequence[NewWebhook] = (),
        delete: Sequence[int] = (),
    ) -> list[StoreWebhook]:
        self._check(access)
        self.batches += 1
        made = [
            await self.create_webhook(
                access, topic=h.topic, delivery_url=h.delivery_url, secret=h.secret, name=h.name
            )
            for h in create
        ]
        for webhook_id in delete:
            await self.delete_webhook(access, webhook_id)
        return made
