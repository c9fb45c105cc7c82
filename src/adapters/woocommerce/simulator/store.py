"""A WooCommerce store's state in memory, with the Python API tests and the demo drive it by.

Every change takes the store's lock (the HTTP server runs in its own thread) and then tells
the listeners which webhook topic fired for which resource; the delivery dispatcher is one.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from wooconnect.adapters.woocommerce.simulator.payloads import Shapes
from wooconnect.adapters.woocommerce.simulator.records import (
    BILLING_KEYS,
    PAID_STATUSES,
    SHIPPING_KEYS,
    CustomerRecord,
    DeliveryRecord,
    FaultConfig,
    GrantRequest,
    LineItem,
    OrderRecord,
    RefundRecord,
    RestApiKey,
    WebhookRecord,
    address,
)

Listener = Callable[[str, int], None]

PRODUCTS: tuple[tuple[int, str, str, Decimal], ...] = (
    (12, "Test T-Shirt", "TS-001", Decimal("20.00")),
    (13, "Test Mug", "MUG-001", Decimal("12.50")),
    (14, "Test Poster", "POS-001", Decimal("7.99")),
    (15, "Café Hoodie", "HOOD-001", Decimal("45.00")),
    (16, "Sticker Pack", "STK-001", Decimal("3.99")),
)
PAYMENT_METHODS = (
    ("cod", "Cash on delivery"),
    ("bacs", "Direct bank transfer"),
    ("stripe", "Credit card (Stripe)"),
)


class StoreError(Exception):
    """A control request the store refuses; `status` and `code` become the HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """How the simulated store presents itself. `home_url` is WordPress's home URL: OAuth base
    strings, links and `X-WC-Webhook-Source` use it (set it to the URL clients call)."""

    home_url: str = "http://127.0.0.1:8100"
    utc_offset_minutes: int = 0
    # A real store refuses a key grant whose callback_url is not https ("The callback_url needs
    # to be over SSL"); development and the demo may let it take http.
    require_https_callback: bool = True
    coalesce_seconds: float = 0.05
    delivery_timeout: float = 5.0


class SimulatedStore:
    """The store: customers, orders, refunds, API keys, webhooks, key grants, faults, and the
    log of requests received and deliveries made."""

    def __init__(
        self,
        settings: StoreSettings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        seed: int = 0,
    ) -> None:
        self.settings = settings or StoreSettings()
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self._clock = clock or (lambda: datetime.now(UTC))
        self.customers: dict[int, CustomerRecord] = {}
        self.orders: dict[int, OrderRecord] = {}
        self.refunds: dict[int, RefundRecord] = {}
        self.api_keys: dict[str, RestApiKey] = {}
        self.webhooks: dict[int, WebhookRecord] = {}
        self.grants: dict[int, GrantRequest] = {}
        self.deliveries: list[DeliveryRecord] = []
        self.request_log: list[tuple[str, str, str]] = []
        # REST API requests being answered now, and the most there ever were at once.
        self.in_flight = 0
        self.peak_in_flight = 0
        self.faults = FaultConfig()
        self.listeners: list[Listener] = []
        self._next_user_id = 1
        self._next_post_id = 10
        self._next_key_id = 1
        self._next_webhook_id = 1
        self._next_grant_id = 1
        self._next_item_id = 1

    # -- basics ------------------------------------------------------------------------------

    @property
    def home_url(self) -> str:
        return self.settings.home_url

    def set_home_url(self, home_url: str) -> None:
        """Point links and OAuth base strings at the URL the server really listens on."""
        self.settings = replace(self.settings, home_url=home_url.rstrip("/"))

    @property
    def shapes(self) -> Shapes:
        return Shapes(self.home_url, timedelta(minutes=self.settings.utc_offset_minutes))

    def now(self) -> datetime:
        """The store clock, to the second like WordPress's dates."""
        return self._clock().astimezone(UTC).replace(microsecond=0)

    def _emit(self, topic: str, resource_id: int) -> None:
        for listener in list(self.listeners):
            listener(topic, resource_id)

    @contextmanager
    def _changing(self, topic: str, resource_id: int) -> Iterator[None]:
        """Hold the lock for a change; once it is released, fire `topic` for `resource_id`.
        A change that raises fires nothing."""
        with self.lock:
            yield
        self._emit(topic, resource_id)

    def new_post_id(self) -> int:
        # Orders and refunds share one id sequence, as in the HPOS orders table.
        with self.lock:
            self._next_post_id += 1
            return self._next_post_id

    def new_item_id(self) -> int:
        with self.lock:
            self._next_item_id += 1
            return self._next_item_id - 1

    # -- API keys ----------------------------------------------------------------------------

    def create_api_key(
        self,
        *,
        permissions: str = "read_write",
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
    ) -> RestApiKey:
        """A new key pair (random unless given), owned by the administrator."""
        with self.lock:
            key = RestApiKey(
                key_id=self._next_key_id,
                consumer_key=consumer_key or "ck_" + secrets.token_hex(20),
                consumer_secret=consumer_secret or "cs_" + secrets.token_hex(20),
                permissions=permissions,
            )
            self._next_key_id += 1
            self.api_keys[key.consumer_key] = key
            return key

    def revoke_keys(self, consumer_key: str | None = None) -> int:
        """Delete one key pair, or all of them; returns how many were deleted."""
        with self.lock:
            doomed = [consumer_key] if consumer_key else list(self.api_keys)
            return sum(1 for key in doomed if self.api_keys.pop(key, None) is not None)

    # -- customers ---------------------------------------------------------------------------

    def add_customer_record(self, record: CustomerRecord) -> CustomerRecord:
        """Insert a fully built record without firing webhooks (seeding)."""
        with self.lock:
            self.customers[record.id] = record
            self._next_user_id = max(self._next_user_id, record.id + 1)
            return record

    def create_customer(
        self,
        *,
        email: str,
        first_name: str = "",
        last_name: str = "",
        role: str = "customer",
        username: str | None = None,
        billing: dict[str, str] | None = None,
    ) -> CustomerRecord:
        """Register a user (fires `customer.created`, as `user_register` does for any role)."""
        with self.lock:
            if any(c.email.lower() == email.lower() for c in self.customers.values()):
                raise StoreError(
                    400,
                    "registration-error-email-exists",
                    "An account is already registered with your email address.",
                )
            now = self.now()
            record = CustomerRecord(
                id=self._next_user_id,
                username=username or email.split("@", 1)[0],
                email=email,
                first_name=first_name,
                last_name=last_name,
                role=role,
                billing=address(BILLING_KEYS, billing),
                shipping=address(SHIPPING_KEYS, billing),
                date_created=now,
                date_modified=now,
            )
            self.add_customer_record(record)
        self._emit("customer.created", record.id)
        return record

    def update_customer(self, customer_id: int, **changes: Any) -> CustomerRecord:
        """Change a customer's fields (`email`, names, `role`, `billing`); fires
        `customer.updated`."""
        with self._changing("customer.updated", customer_id):
            record = self._customer(customer_id)
            for name, value in changes.items():
                if name == "billing":
                    record.billing.update({k: str(v) for k, v in dict(value).items()})
                elif name in {"email", "first_name", "last_name", "role"}:
                    setattr(record, name, str(value))
                else:
                    raise StoreError(400, "rest_invalid_param", f"cannot change {name}")
            record.date_modified = self.now()
        return record

    def delete_customer(self, customer_id: int) -> None:
        """Delete a user; `customer.deleted` is delivered only for role `customer`."""
        with self.lock:
            record = self._customer(customer_id)
            del self.customers[customer_id]
        if record.role == "customer":
            self._emit("customer.deleted", customer_id)

    def _customer(self, customer_id: int) -> CustomerRecord:
        record = self.customers.get(customer_id)
        if record is None:
            raise StoreError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return record

    # -- orders ------------------------------------------------------------------------------

    def add_order_record(self, record: OrderRecord) -> OrderRecord:
        """Insert a fully built order without firing webhooks (seeding)."""
        with self.lock:
            self.orders[record.id] = record
            self._next_post_id = max(self._next_post_id, record.id)
            return record

    def create_order(
        self,
        *,
        customer_id: int = 0,
        status: str = "pending",
        items: Iterable[tuple[int, int]] = ((0, 1),),
        billing: dict[str, str] | None = None,
        paid: bool = False,
        currency: str = "USD",
        payment_method: str = "bacs",
    ) -> OrderRecord:
        """Place an order: `items` are (product index, quantity) pairs; guests have
        `customer_id` 0 and need `billing` (with an email). Fires `order.created`, except for
        checkout drafts."""
        with self.lock:
            if customer_id and customer_id not in self.customers:
                raise StoreError(
                    400, "woocommerce_rest_invalid_customer_id", "Invalid customer ID."
                )
            source = dict(self.customers[customer_id].billing) if customer_id else {}
            source.update(billing or {})
            if customer_id and not source.get("email"):
                source["email"] = self.customers[customer_id].email
            now = self.now()
            order_id = self.new_post_id()
            record = OrderRecord(
                id=order_id,
                status=status,
                currency=currency,
                customer_id=customer_id,
                billing=address(BILLING_KEYS, source),
                shipping=address(SHIPPING_KEYS, source),
                payment_method=payment_method,
                payment_method_title=dict(PAYMENT_METHODS).get(payment_method, payment_method),
                order_key="wc_order_" + secrets.token_urlsafe(10)[:13],
                date_created=now,
                date_modified=now,
                line_items=[self._line(index, qty) for index, qty in items],
                created_via="rest-api",
            )
            if paid or status in PAID_STATUSES:
                record.date_paid = now
            if status == "completed":
                record.date_completed = now
            self.add_order_record(record)
        if status != "checkout-draft":
            self._emit("order.created", order_id)
        return record

    def _line(self, index: int, quantity: int) -> LineItem:
        product_id, name, sku, price = PRODUCTS[index % len(PRODUCTS)]
        return LineItem(self.new_item_id(), name, product_id, sku, quantity, price)

    def update_order(
        self,
        order_id: int,
        *,
        status: str | None = None,
        paid: bool | None = None,
        billing: dict[str, str] | None = None,
        transaction_id: str | None = None,
    ) -> OrderRecord:
        """Change an order like an admin or a gateway would; fires `order.updated` (and
        `order.created` when a checkout draft becomes a real order)."""
        with self.lock:
            record = self._order(order_id)
            was_draft = record.status == "checkout-draft"
            now = self.now()
            if billing:
                record.billing.update({k: str(v) for k, v in billing.items()})
            if transaction_id is not None:
                record.transaction_id = transaction_id
            if status is not None and status != record.status:
                record.status = status
                # `maybe_set_date_paid`: reaching a paid status sets date_paid once.
                if status in PAID_STATUSES and record.date_paid is None:
                    record.date_paid = now
                if status == "completed" and record.date_completed is None:
                    record.date_completed = now
            if paid and record.date_paid is None:
                record.date_paid = now
            record.date_modified = now
            becomes_real = was_draft and record.status != "checkout-draft"
        if becomes_real:
            self._emit("order.created", order_id)
        self._emit("order.updated", order_id)
        return record

    def add_refund(self, order_id: int, amount: Decimal | str, reason: str = "") -> RefundRecord:
        """Refund part or all of an order (a full refund moves it to `refunded`); the parent
        order fires `order.updated`."""
        with self._changing("order.updated", order_id):
            order = self._order(order_id)
            value = Decimal(str(amount)).quantize(Decimal("0.01"))
            refunded = sum((self.refunds[r].amount for r in order.refund_ids), Decimal("0"))
            if value <= 0 or refunded + value > order.total:
                raise StoreError(
                    400, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount."
                )
            now = self.now()
            refund = RefundRecord(self.new_post_id(), order_id, value, reason, now)
            self.refunds[refund.id] = refund
            order.refund_ids.append(refund.id)
            if refunded + value == order.total:
                order.status = "refunded"
            order.date_modified = now
        return refund

    def trash_order(self, order_id: int) -> OrderRecord:
        """Move an order to the trash (fires `order.deleted` with only its id)."""
        with self._changing("order.deleted", order_id):
            record = self._order(order_id)
            if record.status == "trash":
                raise StoreError(
                    410, "woocommerce_rest_already_trashed", "The order has already been deleted."
                )
            record.status_before_trash, record.status = record.status, "trash"
            record.date_modified = self.now()
        return record

    def restore_order(self, order_id: int) -> OrderRecord:
        """Take an order out of the trash (fires `order.restored`)."""
        with self._changing("order.restored", order_id):
            record = self._order(order_id)
            if record.status != "trash":
                raise StoreError(
                    400, "woocommerce_rest_not_trashed", "The order is not in the trash."
                )
            record.status = record.status_before_trash or "pending"
            record.status_before_trash = None
            record.date_modified = self.now()
        return record

    def _order(self, order_id: int) -> OrderRecord:
        record = self.orders.get(order_id)
        if record is None:
            raise StoreError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return record

    def order_refunds(self, order: OrderRecord) -> list[RefundRecord]:
        return [self.refunds[r] for r in order.refund_ids if r in self.refunds]

    # -- webhooks and key grants -------------------------------------------------------------

    def add_webhook(
        self, *, name: str, topic: str, delivery_url: str, secret: str
    ) -> WebhookRecord:
        """Register a webhook (always active on create, whatever status was asked for)."""
        with self.lock:
            now = self.now()
            webhook = WebhookRecord(
                self._next_webhook_id, name, topic, delivery_url, secret, now, now
            )
            self._next_webhook_id += 1
            self.webhooks[webhook.id] = webhook
            return webhook

    def add_grant(self, **fields: str) -> GrantRequest:
        with self.lock:
            grant = GrantRequest(id=self._next_grant_id, **fields)
            self._next_grant_id += 1
            self.grants[grant.id] = grant
            return grant

    def record_delivery(self, delivery: DeliveryRecord) -> None:
        with self.lock:
            self.deliveries.append(delivery)

    # -- load and faults ----------------------------------------------------------------------

    def request_started(self) -> int:
        """Count a REST API request in; how many are in flight with it."""
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return self.in_flight

    def request_finished(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def overloaded(self, in_flight: int) -> bool:
        """Whether a request arriving with `in_flight` requests in flight finds every worker
        busy (the `overload_above` fault)."""
        limit = self.faults.overload_above
        return 0 < limit < in_flight

    def take_fault(self, counter: str, rate: str | None = None) -> bool:
        """Whether a fault fires now: a pending count is used up first, then the rate."""
        with self.lock:
            remaining = getattr(self.faults, counter)
            if remaining > 0:
                setattr(self.faults, counter, remaining - 1)
                return True
            return rate is not None and self.rng.random() < getattr(self.faults, rate)
