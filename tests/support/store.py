"""The store side of an end-to-end test: simulated stores served over loopback HTTP, which
deliver their webhooks to the service, and what a merchant or a replaying attacker does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    StoreSettings,
    running_simulator,
    seed_store,
)
from wooconnect.adapters.woocommerce.simulator.control import GrantOutcome
from wooconnect.adapters.woocommerce.simulator.records import DeliveryRecord


def seeded_store(*, customers: int, orders: int, seed: int) -> SimulatedStore:
    """A deterministic store; each phone number belongs to one person, so that contacts (also
    matched by phone) correspond one to one to e-mail addresses."""
    store = SimulatedStore(StoreSettings(coalesce_seconds=0.05), seed=seed)
    seed_store(store, customers=customers, orders=orders, seed=seed)
    assert phones_shared_by_different_people(store) == set(), "pick another seed"
    return store


def _email(value: str) -> str:
    return value.strip().lower()


def phones_shared_by_different_people(store: SimulatedStore) -> set[str]:
    """Phone numbers billed under more than one e-mail address. Contacts are also matched by
    phone, so where there are none, contacts map one to one to e-mail addresses."""
    with store.lock:
        owners: dict[str, set[str]] = {}
        for order in store.orders.values():
            phone = "".join(ch for ch in order.billing.get("phone", "") if ch.isdigit())
            if phone:
                owners.setdefault(phone, set()).add(_email(order.billing.get("email", "")))
        for customer in store.customers.values():
            phone = "".join(ch for ch in customer.billing.get("phone", "") if ch.isdigit())
            if phone:
                owners.setdefault(phone, set()).add(_email(customer.email))
    return {phone for phone, emails in owners.items() if len(emails) > 1}


@dataclass
class StoreUnderTest:
    """A simulated store served over HTTP, with a key pair the service can be given."""

    sim: RunningSimulator
    keys: tuple[str, str]

    @property
    def store(self) -> SimulatedStore:
        return self.sim.store

    def guest_order(
        self, email: str, first_name: str = "Gina", last_name: str = "Guest", **kwargs: Any
    ) -> int:
        """A guest checkout (customer id 0); returns the order id."""
        billing = {"email": email, "first_name": first_name, "last_name": last_name}
        return self.store.create_order(customer_id=0, billing=billing, **kwargs).id

    def deliveries(self, *, topic: str | None = None) -> list[DeliveryRecord]:
        """The webhook deliveries the store made (or dropped), oldest first."""
        with self.store.lock:
            return [
                d
                for d in self.store.deliveries
                if d.kind == "delivery" and (topic is None or d.topic == topic)
            ]


@contextlib.contextmanager
def store_under_test(
    *,
    seed: int = 1,
    customers: int = 0,
    orders: int = 0,
    coalesce_s: float = 0.05,
    latency_ms: int = 0,
) -> Iterator[StoreUnderTest]:
    """A simulated store with a fresh key pair, served on a free loopback port."""
    store = SimulatedStore(StoreSettings(coalesce_seconds=coalesce_s), seed=seed)
    if customers or orders:
        seed_store(store, customers=customers, orders=orders, seed=seed)
    key = store.create_api_key()
    with running_simulator(store, latency_ms=latency_ms) as sim:
        yield StoreUnderTest(sim, (key.consumer_key, key.consumer_secret))


def approve_key_grant(sim: RunningSimulator) -> GrantOutcome:
    """The merchant approves the newest key grant on the store's screen."""
    return asyncio.run(sim.approve_key_grant())


def resend(deliveries: list[DeliveryRecord]) -> list[int]:
    """POST recorded store deliveries to the service again, byte for byte; their statuses."""
    statuses = []
    with httpx.Client(timeout=30) as client:
        for delivery in deliveries:
            response = client.post(
                delivery.delivery_url, content=delivery.body, headers=delivery.headers
            )
            statuses.append(response.status_code)
    return statuses
