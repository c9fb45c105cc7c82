"""What a simulated store holds: plain mutable records, guarded by the store's lock."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

CORE_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")
# Statuses `status=any` leaves out: trash, and checkout drafts (excluded from search).
HIDDEN_FROM_ANY = frozenset({"trash", "checkout-draft"})
PAID_STATUSES = frozenset({"processing", "completed"})
ROLES = (
    "administrator",
    "editor",
    "author",
    "contributor",
    "subscriber",
    "customer",
    "shop_manager",
)
# Roles the customers endpoint may delete (`woocommerce_rest_customer_allowed_roles`).
DELETABLE_ROLES = frozenset({"customer", "subscriber"})

BILLING_KEYS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "email",
    "phone",
)
SHIPPING_KEYS = tuple(key for key in BILLING_KEYS if key != "email")


def address(keys: tuple[str, ...], values: dict[str, str] | None = None) -> dict[str, str]:
    """An address with every key the store returns, empty where unknown."""
    values = values or {}
    return {key: str(values.get(key, "")) for key in keys}


@dataclass
class CustomerRecord:
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: str
    billing: dict[str, str]
    shipping: dict[str, str]
    date_created: datetime
    date_modified: datetime | None = None
    is_paying_customer: bool = False


@dataclass
class LineItem:
    id: int
    name: str
    product_id: int
    sku: str
    quantity: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class OrderRecord:
    id: int
    status: str
    currency: str
    customer_id: int
    billing: dict[str, str]
    shipping: dict[str, str]
    payment_method: str
    payment_method_title: str
    order_key: str
    date_created: datetime
    date_modified: datetime
    line_items: list[LineItem]
    transaction_id: str = ""
    created_via: str = "checkout"
    customer_ip_address: str = "127.0.0.1"
    date_paid: datetime | None = None
    date_completed: datetime | None = None
    refund_ids: list[int] = field(default_factory=list)
    status_before_trash: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((item.total for item in self.line_items), Decimal("0.00"))


@dataclass
class RefundRecord:
    id: int
    order_id: int
    amount: Decimal
    reason: str
    date_created: datetime
    refunded_by: int = 1


@dataclass
class RestApiKey:
    """A WooCommerce REST API key (consumer key and secret), not a wooconnect API key."""

    key_id: int
    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"
    user_id: int = 1
    # nonce -> timestamp, as the store keeps them for replay protection.
    nonces: dict[str, int] = field(default_factory=dict)


@dataclass
class WebhookRecord:
    id: int
    name: str
    topic: str
    delivery_url: str
    secret: str
    date_created: datetime
    date_modified: datetime
    status: str = "active"
    failure_count: int = 0
    pending_delivery: bool = True
    user_id: int = 1

    @property
    def resource(self) -> str:
        return self.topic.split(".", 1)[0]

    @property
    def event(self) -> str:
        return self.topic.split(".", 1)[1]


@dataclass
class GrantRequest:
    id: int
    app_name: str
    scope: str
    user_id: str
    return_url: str
    callback_url: str


@dataclass
class DeliveryRecord:
    """One POST the store made (or meant to make) to a webhook's delivery URL."""

    webhook_id: int
    topic: str
    kind: str  # "ping" | "delivery"
    resource_id: int | None
    delivery_url: str
    body: bytes
    headers: dict[str, str]
    at: datetime
    status_code: int | None = None
    error: str | None = None
    dropped: bool = False

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly view for the control endpoint."""
        return {
            **{f.name: getattr(self, f.name) for f in fields(self)},
            "at": self.at.isoformat(),
            "body": self.body.decode("utf-8"),
        }


@dataclass
class FaultConfig:
    """Misbehaviour to inject. Counters (`*_next`, `drop_deliveries`, `duplicate_deliveries`)
    count down as they fire; rates draw from the store's seeded generator. `overload_above`
    (0: off) is a store with that many PHP workers: a REST request arriving while that many
    are being answered gets `server_error_status` (503), as from a saturated server."""

    rate_limit_next: int = 0
    rate_limit_rate: float = 0.0
    retry_after: int | None = 1
    server_error_next: int = 0
    server_error_rate: float = 0.0
    server_error_status: int = 503
    overload_above: int = 0
    timeout_next: int = 0
    hang_seconds: float = 10.0
    strip_authorization: bool = False
    no_refunds_route: bool = False
    drop_deliveries: int = 0
    duplicate_deliveries: int = 0
    reorder_deliveries: bool = False

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update (from JSON); unknown names raise `ValueError`."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}")
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
