"""A service with something in every list: a store connected and imported, live orders with
their triggers and webhook deliveries, subscriptions, API keys; and a connection of another
agency awaiting authorization. Built once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.api import ALL_IMPORTS, Linked
from tests.support.service import EMBEDDED, Service, running_service
from tests.support.store import StoreUnderTest, store_under_test
from tests.support.waiting import eventually


@dataclass(frozen=True)
class Shop:
    service: Service
    store: StoreUnderTest
    linked: Linked
    # A connection of the second agency's location, awaiting authorization.
    waiting: dict[str, Any]

    def lists(self) -> dict[str, str]:
        """Every list endpoint of the API, by name, on this shop's records."""
        agency, location = self.linked.agency_id, self.linked.location_id
        connection = self.linked.connection_id
        return {
            "agencies": "/api/v1/agencies",
            "api-keys": f"/api/v1/agencies/{agency}/api-keys",
            "locations": f"/api/v1/agencies/{agency}/locations",
            "contacts": f"/api/v1/locations/{location}/contacts",
            "orders": f"/api/v1/locations/{location}/orders",
            "transactions": f"/api/v1/locations/{location}/transactions",
            "triggers": f"/api/v1/locations/{location}/triggers",
            "trigger-subscriptions": f"/api/v1/locations/{location}/trigger-subscriptions",
            "deliveries": f"/api/v1/connections/{connection}/deliveries",
            "decisions": f"/api/v1/connections/{connection}/decisions",
        }


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    directory = tmp_path_factory.mktemp("shop")
    with (
        running_service(EMBEDDED, directory) as service,
        store_under_test(seed=5, customers=8, orders=24) as store,
    ):
        api = service.api
        for name in ("First agency", "Second agency"):
            other = api.call("POST", "/api/v1/agencies", 201, json={"name": name})
        linked = api.link(store.sim, store.keys, imports=ALL_IMPORTS)
        for _ in range(2):
            api.call("POST", f"/api/v1/agencies/{linked.agency_id}/api-keys", 201)
        waiting = api.call(
            "POST",
            f"/api/v1/locations/{api.new_location(other['id'], 'Elsewhere')}/woocommerce",
            201,
            json={"store_url": "http://localhost:9"},
        )
        for n in range(2):
            api.new_location(linked.agency_id, f"Branch {n}")
        for n in range(3):
            api.call(
                "POST",
                f"/api/v1/locations/{linked.location_id}/trigger-subscriptions",
                201,
                json={"url": f"https://hooks.example.com/{n}", "events": ["order_submitted"]},
            )
        for n in range(3):
            store.guest_order(f"Live.Buyer{n}@Example.com")
        eventually(
            lambda: (
                len(api.deliveries(linked)) >= 3
                and all(d["status"] != "pending" for d in api.deliveries(linked))
            ),
            what="the live orders' deliveries processed",
        )
        yield Shop(service, store, linked, waiting)
