"""The store-client port: everything the service says to a WooCommerce store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from wooconnect.domain.connection import Connection, StoreCredentials
from wooconnect.domain.store import (
    StoreCustomer,
    StoreOrder,
    StorePage,
    StoreRefund,
    StoreWebhook,
)
from wooconnect.domain.store_url import StoreUrl

# The webhook topics the service registers on every connected store.
WEBHOOK_TOPICS: Final[tuple[str, ...]] = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "order.created",
    "order.updated",
    "order.deleted",
    "order.restored",
)


@dataclass(frozen=True, slots=True)
class StoreAccess:
    """How to reach one connection's store. `query_string_auth` is remembered once detected
    (servers that strip the Authorization header need the keys in the query string).
    `concurrency` is the most requests in flight the connection allows its store (None: the
    deployment's default)."""

    connection_id: str
    store_url: StoreUrl
    credentials: StoreCredentials = field(repr=False)
    query_string_auth: bool = False
    concurrency: int | None = None

    @classmethod
    def of(cls, connection: Connection) -> StoreAccess:
        """The access of an authorized connection (one that holds the store's keys)."""
        if connection.credentials is None:
            raise ValueError(f"connection {connection.id} holds no store credentials")
        return cls(
            connection.id,
            connection.store_url,
            connection.credentials,
            connection.query_string_auth,
            connection.store_concurrency,
        )


@dataclass(frozen=True, slots=True)
class NewWebhook:
    """A webhook to register: signed with our own (alphanumeric) secret."""

    topic: str
    delivery_url: str
    secret: str = field(repr=False)
    name: str


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """What checking a key pair against a store learnt."""

    query_string_auth: bool


class StoreClient(Protocol):
    """Talks to WooCommerce's REST API v3. Raises `UpstreamRejected` (401/403/404: permanent),
    `UpstreamUnavailable` (429/5xx/timeouts, after its own retries: transient),
    `UpstreamRequestInvalid` (400: a bug of ours) or `UpstreamUndecodable` (a single record or
    a whole page the store sent is unreadable; within a page, bad records are reported in
    `StorePage.errors` instead)."""

    async def check_credentials(self, access: StoreAccess) -> CredentialCheck:
        """Prove the keys can read customers and orders; detect header stripping."""
        ...

    def customers(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        """Every customer of every role (`role=all`), page by page in order, from `start_page`;
        pages are fetched concurrently up to `concurrency` but yielded in order."""
        ...

    def customers_registered_since(
        self, access: StoreAccess, since: datetime
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        """The customers of every role registered after `since` (aware), newest first, page by
        page until a page reaches back to `since`: one request when nobody registered. (A
        store lists customers by no modification date; changes to older customers come by
        webhook, or by reading them all.) A customer without a readable registration date
        counts as new."""
        ...

    def orders(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        """Orders of any status, by id, page by page in order, from `start_page`."""
        ...

    def orders_changed_since(
        self, access: StoreAccess, since: datetime, *, overlap: timedelta = ...
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        """Orders of any status modified after `since - overlap` (aware), oldest change first,
        each version (id, date_modified_gmt) once, including orders modified while the run
        goes on (an order changed meanwhile never pushes an unread one out of sight).
        Checkpoint on the newest `date_modified_gmt` processed."""
        ...

    def refunds(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreRefund]]:
        """Every refund of the store, page by page (via `/refunds`, or per order where the store
        is older than WooCommerce 9.0)."""
        ...

    async def get_order(self, access: StoreAccess, order_id: int) -> StoreOrder | None:
        """One order, or None when the store has none with that id."""
        ...

    async def orders_with_ids(
        self, access: StoreAccess, order_ids: Collection[int]
    ) -> list[StoreOrder]:
        """The orders among `order_ids` that `orders` lists (any status but the bin and
        checkout drafts), a page of ids per request; ids it does not list (and records it sends
        unreadable) are left out."""
        ...

    async def get_customer(self, access: StoreAccess, customer_id: int) -> StoreCustomer | None:
        """One customer, or None when the store has no user with that id."""
        ...

    async def list_webhooks(self, access: StoreAccess) -> list[StoreWebhook]:
        """Every webhook of the store, whatever its status."""
        ...

    async def create_webhook(
        self, access: StoreAccess, *, topic: str, delivery_url: str, secret: str, name: str
    ) -> StoreWebhook:
        """Register a webhook signed with our own (alphanumeric) secret."""
        ...

    async def delete_webhook(self, access: StoreAccess, webhook_id: int) -> None:
        """Delete for good; an already deleted webhook is not an error."""
        ...

    async def change_webhooks(
        self,
        access: StoreAccess,
        *,
        create: Sequence[NewWebhook] = (),
        delete: Sequence[int] = (),
    ) -> list[StoreWebhook]:
        """Create and delete webhooks in one request (`/webhooks/batch`) rather than one each;
        returns the webhooks created. An already deleted webhook is not an error; a webhook
        the store refuses to create raises, after the others were made."""
        ...


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


@dataclass(frozen=True, slots=True)
class DeliveryMeta:
    """What the receiver reads of a delivery body before storing it: the resource's id and
    version (`date_modified_gmt`; None for `*.deleted` bodies, which carry only the id)."""

    resource_id: int | None
    date_modified_gmt: datetime | None


class WebhookCodec(Protocol):
    """Reads webhook deliveries exactly as the store sent them (never re-serialised)."""

    def verify(self, body: bytes, signature: str | None, secret: str) -> bool:
        """Constant-time check of base64(HMAC-SHA256(body, secret))."""
        ...

    def meta(self, body: bytes) -> DeliveryMeta:
        """The id and version of the delivered resource; raises `UpstreamUndecodable`."""
        ...

    def order(self, body: bytes) -> StoreOrder:
        """Raises `UpstreamUndecodable`."""
        ...

    def customer(self, body: bytes) -> StoreCustomer:
        """Raises `UpstreamUndecodable`."""
        ...

    def deleted_id(self, body: bytes) -> int:
        """The id of a `*.deleted` delivery; raises `UpstreamUndecodable`."""
        ...

    def order_number(self, body: bytes) -> str | None:
        """The order number the body carries, as the store shows it to people (`81`); None
        when it carries none (a customer, a `*.deleted` body) or cannot be read."""
        ...
