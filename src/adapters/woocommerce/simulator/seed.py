"""Deterministic store data: the same seed gives the same customers, orders and refunds.

What it always contains (given enough customers and orders): every role that matters
(customer, subscriber, administrator, shop_manager), guests and repeat guests (one e-mail
across several guest orders, one of them a registered customer's), every core status plus a
custom `shipped` status, a checkout draft and a trashed order, partial and full refunds, and
unicode names. Dates are fixed relative to 2026-01-01, never to the wall clock.
"""

from __future__ import annotations

import hashlib
import random
import string
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from wooconnect.adapters.woocommerce.simulator.records import (
    BILLING_KEYS,
    CORE_STATUSES,
    PAID_STATUSES,
    SHIPPING_KEYS,
    CustomerRecord,
    LineItem,
    OrderRecord,
    RefundRecord,
    address,
)
from wooconnect.adapters.woocommerce.simulator.store import (
    PAYMENT_METHODS,
    PRODUCTS,
    SimulatedStore,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CUSTOM_STATUS = "shipped"
FIRST_NAMES = (
    "Alice",
    "Bob",
    "Carol",
    "Zoë",
    "José",
    "Åsa",
    "Łukasz",
    "Ngọc",
    "Søren",
    "Chloé",
    "Müller",
    "Renée",
    "Dmitrij",
    "Ayşe",
    "Hana",
    "李",
    "Øyvind",
    "Siobhán",
)
LAST_NAMES = (
    "Anderson",
    "Brown",
    "Núñez",
    "Østergaard",
    "Straße",
    "O'Brien",
    "Dvořák",
    "Smith",
    "García",
    "Kowalski",
    "山田",
    "Jönsson",
    "Nguyễn",
    "Ito",
)
CITIES = (
    ("Portland", "OR", "97201", "US"),
    ("München", "BY", "80331", "DE"),
    ("Kraków", "", "30-001", "PL"),
    ("Lyon", "", "69001", "FR"),
    ("Austin", "TX", "73301", "US"),
)
# Status mix for orders beyond the guaranteed ones: mostly paid, some of everything else.
STATUS_WEIGHTS = (
    ("completed", 30),
    ("processing", 25),
    ("on-hold", 8),
    ("pending", 8),
    ("cancelled", 6),
    ("refunded", 4),
    ("failed", 5),
    (CUSTOM_STATUS, 6),
    ("checkout-draft", 2),
    ("trash", 2),
)
GUARANTEED_STATUSES = (*CORE_STATUSES, CUSTOM_STATUS, "checkout-draft", "trash")


def derived_keys(seed: int) -> tuple[str, str]:
    """The seeded store's first key pair, stable for a seed (handy for demos and tests)."""
    digest = hashlib.sha256(f"wooconnect-simulator-{seed}".encode()).hexdigest()
    return "ck_" + digest[:40], "cs_" + hashlib.sha256(digest.encode()).hexdigest()[:40]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(ch for ch in folded.lower() if ch in string.ascii_lowercase)
    return cleaned or "user"


def _person(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, state, postcode, country = rng.choice(CITIES)
    return {
        "first_name": first,
        "last_name": last,
        "address_1": f"{rng.randint(1, 99)} Main St",
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": country,
        "phone": f"555-{rng.randint(100, 9999):04d}",
    }


def seed_store(store: SimulatedStore, *, customers: int, orders: int, seed: int) -> None:
    """Fill `store` with `customers` users and `orders` orders (plus their refunds)."""
    rng = random.Random(seed)
    users = _seed_customers(store, rng, customers)
    _seed_orders(store, rng, orders, users)


def _seed_customers(store: SimulatedStore, rng: random.Random, count: int) -> list[CustomerRecord]:
    fixed_roles = ["administrator", "shop_manager", "customer", "subscriber"]
    made: list[CustomerRecord] = []
    for index in range(count):
        user_id = index + 1
        role = (
            fixed_roles[index]
            if index < len(fixed_roles)
            else ("subscriber" if rng.random() < 0.15 else "customer")
        )
        person = _person(rng)
        username = (
            "admin" if role == "administrator" else f"{_ascii(person['first_name'])}{user_id}"
        )
        email = f"{username}@example.test"
        created = EPOCH - timedelta(days=400 - index % 365, seconds=rng.randint(0, 86_399))
        staff = role in {"administrator", "shop_manager"}
        billing = {} if staff else {**person, "email": email}
        record = CustomerRecord(
            id=user_id,
            username=username,
            email=email,
            first_name="" if role == "administrator" else person["first_name"],
            last_name="" if role == "administrator" else person["last_name"],
            role=role,
            billing=address(BILLING_KEYS, billing),
            shipping=address(SHIPPING_KEYS, billing),
            date_created=created,
            # Never-edited users have no modification date, like the store's admin.
            date_modified=None if staff else created + timedelta(hours=rng.randint(0, 2000)),
        )
        made.append(store.add_customer_record(record))
    return made


def _seed_orders(
    store: SimulatedStore, rng: random.Random, count: int, users: list[CustomerRecord]
) -> None:
    buyers = [u for u in users if u.role in {"customer", "subscriber"}]
    guest_pool = [
        {**_person(rng), "email": f"guest{n}@example.test"} for n in range(max(3, count // 8))
    ]
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    for index in range(count):
        status = (
            GUARANTEED_STATUSES[index]
            if index < len(GUARANTEED_STATUSES)
            else rng.choices(statuses, weights)[0]
        )
        customer_id, billing = _buyer(rng, index, buyers, guest_pool)
        created = EPOCH - timedelta(days=rng.randint(0, 300), seconds=rng.randint(0, 86_399))
        lines = [
            LineItem(store.new_item_id(), name, product_id, sku, rng.randint(1, 3), price)
            for product_id, name, sku, price in rng.sample(PRODUCTS, rng.randint(1, 3))
        ]
        method, title = rng.choice(PAYMENT_METHODS)
        order = OrderRecord(
            id=store.new_post_id(),
            status=status,
            currency="USD",
            customer_id=customer_id,
            billing=address(BILLING_KEYS, billing),
            shipping=address(SHIPPING_KEYS, billing),
            payment_method=method,
            payment_method_title=title,
            order_key="wc_order_"
            + "".join(rng.choices(string.ascii_letters + string.digits, k=13)),
            date_created=created,
            date_modified=created + timedelta(minutes=rng.randint(1, 20_000)),
            line_items=lines,
            transaction_id=f"txn_{rng.getrandbits(48):012x}" if method == "stripe" else "",
        )
        if status in PAID_STATUSES | {"refunded", CUSTOM_STATUS}:
            order.date_paid = created + timedelta(minutes=1)
        if status == "completed":
            order.date_completed = order.date_modified
        if status == "trash":
            order.status_before_trash = "cancelled"
        store.add_order_record(order)
        full = status == "refunded"
        partial = status == "completed" and (index == 3 or rng.random() < 0.1)
        if full or partial:
            amount = order.total if full else min(order.total, lines[0].unit_price)
            refund = RefundRecord(
                id=store.new_post_id(),
                order_id=order.id,
                amount=amount.quantize(Decimal("0.01")),
                reason="Full refund" if full else "Damaged item — partial refund",
                date_created=order.date_modified,
            )
            store.refunds[refund.id] = refund
            order.refund_ids.append(refund.id)


def _buyer(
    rng: random.Random, index: int, buyers: list[CustomerRecord], guests: list[dict[str, str]]
) -> tuple[int, dict[str, str]]:
    # The first orders pin the interesting cases; later ones are 30 % guests.
    if index in {1, 5} or not buyers:
        return 0, guests[0]  # a repeat guest: same e-mail on several guest orders
    if index == 7:
        return 0, {
            **buyers[0].billing,
            "email": buyers[0].email,
        }  # a customer checking out as guest
    if rng.random() < 0.3:
        return 0, rng.choice(guests)
    buyer = rng.choice(buyers)
    return buyer.id, {**buyer.billing, "email": buyer.email}
