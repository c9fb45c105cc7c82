"""What the service reads from a WooCommerce store, in the domain's own types.

The WooCommerce adapter decodes the REST API and webhook payloads into these; the app layer and
the rules never see the store's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoreAddress:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class StoreCustomer:
    """A registered WordPress user as `/customers` shows it."""

    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    username: str
    billing: StoreAddress
    date_created_gmt: datetime | None
    date_modified_gmt: datetime | None


@dataclass(frozen=True, slots=True)
class StoreRefundLine:
    """A refund as listed inside its order (`order.refunds[]`); amount is normalised positive."""

    id: int
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class StoreOrder:
    id: int
    number: str
    status: str
    currency: str
    total: Decimal
    customer_id: int
    billing: StoreAddress
    payment_method: str
    payment_method_title: str
    transaction_id: str
    date_created_gmt: datetime | None
    date_modified_gmt: datetime | None
    date_paid_gmt: datetime | None
    date_completed_gmt: datetime | None
    refunds: tuple[StoreRefundLine, ...] = ()

    @property
    def is_guest(self) -> bool:
        return self.customer_id == 0


@dataclass(frozen=True, slots=True)
class StoreRefund:
    """A refund as `/orders/{id}/refunds` or `/refunds` show it (amount positive)."""

    id: int
    order_id: int
    amount: Decimal
    reason: str
    date_created_gmt: datetime | None
    refunded_payment: bool = False


@dataclass(frozen=True, slots=True)
class UndecodableRecord:
    """A record of a page that could not be decoded; the rest of the page proceeds."""

    record_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class StorePage(Generic[T]):
    """One page of a store collection, with the totals the store reported."""

    items: tuple[T, ...]
    page: int
    total: int
    total_pages: int
    errors: tuple[UndecodableRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class StoreWebhook:
    id: int
    topic: str
    delivery_url: str
    status: str  # active | paused | disabled


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """The body the store POSTs to our callback after the merchant approves access."""

    key_id: int
    user_id: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    key_permissions: str = "read_write"
