"""What the CRM must hold, computed from the store's own records, independently of the
service's rules (DESIGN.md restated here), and the checks that compare the two."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.support.api import Api, Linked, LocationData
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.simulator import SimulatedStore

# Store statuses that are not orders yet for live sync (open checkouts, drafts): never stored.
NOT_ORDERS_YET = frozenset({"checkout-draft", "draft", "auto-draft"})
# What an import does not list either: the bin (live sync marks a trashed order deleted).
NOT_IMPORTED = frozenset({"checkout-draft", "trash"})
BUYER_ROLES = frozenset({"customer", "subscriber"})


def crm_status(store_status: str) -> str:
    """DESIGN.md item 8, restated here so the tests do not use the service's rules."""
    if store_status in {"completed", "refunded"}:
        return "completed"
    if store_status in {"cancelled", "failed"}:
        return "cancelled"
    return "pending"


def _email(value: str) -> str:
    return value.strip().lower()


# -- after an import ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expected:
    """What a complete import of the store must leave in the location."""

    customer_ids: frozenset[int]
    guest_emails: frozenset[str]
    order_statuses: dict[int, str]
    order_emails: dict[int, str]
    charged_orders: frozenset[int]
    refunds_per_order: dict[int, int]

    @property
    def refunds(self) -> int:
        return sum(self.refunds_per_order.values())

    @property
    def contacts(self) -> int:
        return len(self.customer_ids) + len(self.guest_emails)


def expected_import(store: SimulatedStore) -> Expected:
    """Derived from the store's records alone.

    Contacts: every customer or subscriber with an e-mail, plus one per distinct guest e-mail
    of an imported guest order that no imported customer has (contacts are matched by e-mail).
    Orders: every status but checkout drafts and the bin. Charges: imported orders with a
    payment date. Refunds: every refund of an imported order.
    """
    with store.lock:
        customers = {
            c.id: _email(c.email)
            for c in store.customers.values()
            if c.role in BUYER_ROLES and c.email.strip()
        }
        orders = [o for o in store.orders.values() if o.status not in NOT_IMPORTED]
        registered = set(customers.values())
        guests = {
            _email(o.billing["email"])
            for o in orders
            if o.customer_id == 0 and o.billing.get("email", "").strip()
        }
        imported = {o.id for o in orders}
        return Expected(
            customer_ids=frozenset(customers),
            guest_emails=frozenset(guests - registered),
            order_statuses={o.id: o.status for o in orders},
            order_emails={o.id: _email(o.billing.get("email", "")) for o in orders},
            charged_orders=frozenset(o.id for o in orders if o.date_paid is not None),
            refunds_per_order=dict(
                Counter(r.order_id for r in store.refunds.values() if r.order_id in imported)
            ),
        )


def assert_location_matches_store(data: LocationData, expected: Expected) -> None:
    """The location holds exactly the store's eligible records, each once, mapped right."""
    contacts = data.contacts
    emails = Counter(_email(c["email"] or "") for c in contacts)
    assert [e for e, n in emails.items() if n > 1] == [], "duplicate contacts"
    registered = {c["woocommerce_customer_id"] for c in contacts if c["woocommerce_customer_id"]}
    assert registered == set(expected.customer_ids)
    others = {_email(c["email"]) for c in contacts if c["woocommerce_customer_id"] is None}
    assert others == set(expected.guest_emails)
    assert len(contacts) == expected.contacts

    orders = data.orders
    by_store_id = Counter(o["woocommerce_order_id"] for o in orders)
    assert [i for i, n in by_store_id.items() if n > 1] == [], "duplicate orders"
    assert set(by_store_id) == set(expected.order_statuses)
    email_of = {c["id"]: _email(c["email"] or "") for c in contacts}
    store_id_of = {o["id"]: o["woocommerce_order_id"] for o in orders}
    for order in orders:
        store_id = order["woocommerce_order_id"]
        store_status = expected.order_statuses[store_id]
        assert order["store_status"] == store_status
        assert order["status"] == crm_status(store_status), order
        assert order["source_subtype"] == "woocommerce"
        assert email_of.get(order["contact_id"]) == expected.order_emails[store_id], order

    refs = Counter(t["woocommerce_ref"] for t in data.transactions)
    assert [r for r, n in refs.items() if n > 1] == [], "duplicate transactions"
    charged = Counter(
        store_id_of[t["order_id"]] for t in data.transactions if t["kind"] == "charge"
    )
    assert set(charged) == set(expected.charged_orders)
    assert sum(charged.values()) == len(expected.charged_orders)
    refunded = Counter(
        store_id_of[t["order_id"]] for t in data.transactions if t["kind"] == "refund"
    )
    assert dict(refunded) == expected.refunds_per_order


# -- under live sync ----------------------------------------------------------------------------


def expected_orders(store: SimulatedStore) -> dict[int, dict[str, Any]]:
    """What the location should hold for each of the store's orders."""
    with store.lock:
        records = list(store.orders.values())
    expected: dict[int, dict[str, Any]] = {}
    for order in records:
        if order.status in NOT_ORDERS_YET:
            continue
        trashed = order.status == "trash"
        expected[order.id] = {
            "deleted": trashed,
            "store_status": None if trashed else order.status,
            "status": None if trashed else crm_status(order.status),
            "paid": order.date_paid is not None,
            "total": str(order.total.quantize(Decimal("0.01"))),
        }
    return expected


def actual_orders(orders: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    actual: dict[int, dict[str, Any]] = {}
    for order in orders:
        trashed = bool(order["deleted"])
        actual[order["woocommerce_order_id"]] = {
            "deleted": trashed,
            "store_status": None if trashed else order["store_status"],
            "status": None if trashed else order["status"],
            "paid": order["paid_at"] is not None,
            "total": order["total"],
        }
    return actual


def expected_transactions(store: SimulatedStore) -> list[tuple[str, str, str]]:
    """(woocommerce_ref, kind, amount) for each charge (a paid order) and refund."""
    with store.lock:
        orders = [o for o in store.orders.values() if o.status not in NOT_ORDERS_YET]
        refunds = [store.refunds[r] for o in orders for r in o.refund_ids]
    rows = [(f"order:{o.id}", "charge", f"{o.total:.2f}") for o in orders if o.date_paid]
    rows += [(f"refund:{r.id}", "refund", f"{r.amount:.2f}") for r in refunds]
    return sorted(rows)


def actual_transactions(api: Api, linked: Linked) -> list[tuple[str, str, str]]:
    return sorted(
        (t["woocommerce_ref"], t["kind"], t["amount"]) for t in api.all(linked, "transactions")
    )


def location_matches_store(api: Api, linked: Linked, store: SimulatedStore) -> bool:
    """The location's orders and transactions are the store's, one each (no duplicate)."""
    orders = api.all(linked, "orders")
    if len(orders) != len({o["woocommerce_order_id"] for o in orders}):
        return False
    if actual_orders(orders) != expected_orders(store):
        return False
    return actual_transactions(api, linked) == expected_transactions(store)


def store_differences(api: Api, linked: Linked, store: SimulatedStore) -> str:
    """What differs between the location and the store, for a failure message."""
    orders = actual_orders(api.all(linked, "orders"))
    wanted = expected_orders(store)
    diff = {
        wid: (orders.get(wid), wanted.get(wid))
        for wid in sorted(set(orders) | set(wanted))
        if orders.get(wid) != wanted.get(wid)
    }
    have = set(actual_transactions(api, linked))
    want = set(expected_transactions(store))
    return (
        f"orders (location, store): {diff}\n"
        f"transactions missing: {sorted(want - have)}; unexpected: {sorted(have - want)}"
    )


def assert_location_equals_store(api: Api, linked: Linked, store: SimulatedStore) -> None:
    """Wait until the location equals the store, for as long as the connection's deliveries
    are still being processed; on timeout, show the difference."""
    try:
        eventually(
            lambda: location_matches_store(api, linked, store),
            what="the location equals the store",
            every=0.1,
            progress=lambda: delivery_states(api, linked),
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{store_differences(api, linked, store)}") from None


def delivery_states(api: Api, linked: Linked) -> tuple[tuple[str, int], ...]:
    """How many of the connection's deliveries are in each state."""
    return tuple(sorted(Counter(d["status"] for d in api.deliveries(linked)).items()))


def trigger_counts(api: Api, linked: Linked) -> Counter[tuple[str, int]]:
    """How often each (trigger type, WooCommerce order id) fired.

    Triggers are read before orders: a trigger commits with its order, so every trigger
    seen first has its order visible to the second read (the other way round races).
    """
    triggers = api.all(linked, "triggers")
    by_order = {o["id"]: o["woocommerce_order_id"] for o in api.all(linked, "orders")}
    return Counter((t["type"], by_order[t["order_id"]]) for t in triggers)


def expected_triggers(store: SimulatedStore) -> Counter[tuple[str, int]]:
    """For orders that all arrived by live sync: each submitted once, each paid one paid once."""
    with store.lock:
        orders = [o for o in store.orders.values() if o.status not in NOT_ORDERS_YET]
    expected: Counter[tuple[str, int]] = Counter()
    for order in orders:
        expected[("order_submitted", order.id)] = 1
        if order.date_paid is not None:
            expected[("payment_received", order.id)] = 1
    return expected


def assert_no_trigger_doubled(api: Api, linked: Linked) -> None:
    doubled = {key: n for key, n in trigger_counts(api, linked).items() if n > 1}
    assert not doubled, f"triggers fired more than once: {doubled}"
