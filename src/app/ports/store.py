"""The store-client port: everything the service says to a WooCommerce store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.connection import StoreCredentials
from domain.store import (
    StoreCustomer,
    StoreOrder,
    StorePage,
    StoreRefund,
    StoreWebhook,
)
from domain.store_url import StoreUrl


@dataclass(frozen=True, slots=True)
class StoreAccess:
    """How to reach one connection's store. `query_string_auth` is remembered once detected
    (servers that strip the Authorization header need the keys in the query string)."""

    connection_id: str
    store_url: StoreUrl
    credentials: StoreCredentials = field(repr=False)
    query_string_auth: bool = False


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """What checking a key pair against a store learnt."""

    query_string_auth: bool


class StoreClient(Protocol):
    """Talks to WooCommerce's REST API v3. Raises `UpstreamRejected` (401/403/404: permanent),
    `UpstreamUnavailable` (429/5xx/timeouts, after its own retries: transient) or
    `UpstreamRequestInvalid` (400: a bug of ours)."""

    async def check_credentials(self, access: StoreAccess) -> CredentialCheck:
        """Prove the keys can read customers and orders; detect header stripping."""
        ...

    def customers(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        """Every customer of every role (`role=all`), page by page in order, from `start_page`;
        pages are fetched concurrently up to `concurrency` but yielded in order."""
        ...

    def orders(
        self,
        access: StoreAccess,
        *,
        start_page: int = 1,
        modified_after: datetime | None = None,
        concurrency: int | None = None,
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        """Orders of any status, by id; or modified after a UTC instant, by modification time."""
        ...

    def refunds(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreRefund]]:
        """Every refund of the store, page by page (via `/refunds`, or per order where the store
        is older than WooCommerce 9.0)."""
        ...

    async def get_order(self, access: StoreAccess, order_id: int) -> StoreOrder | None: ...

    async def get_customer(self, access: StoreAccess, customer_id: int) -> StoreCustomer | None: ...

    async def list_webhooks(self, access: StoreAccess) -> list[StoreWebhook]: ...

    async def create_webhook(
        self, access: StoreAccess, *, topic: str, delivery_url: str, secret: str, name: str
    ) -> StoreWebhook: ...

    async def delete_webhook(self, access: StoreAccess, webhook_id: int) -> None: ...


class StoreDirectory(Protocol):
    """What the service knows about store addresses before it has keys."""

    async def check_address(self, url: StoreUrl) -> None:
        """Refuse addresses the service must not call (private, loopback, link-local, reserved)
        unless the operator allowed them; raises `ValidationFailed` with the reason."""
        ...

    def authorize_url(
        self, url: StoreUrl, *, state: str, return_url: str, callback_url: str
    ) -> str:
        """The store's `/wc-auth/v1/authorize` URL for the key grant (scope read_write)."""
        ...
