"""Live sync end to end: the store delivers its webhooks over real HTTP to the service, whose
worker process applies them through Redis into PostgreSQL."""

from __future__ import annotations

import random

import pytest

from tests.support.api import ALL_SYNC
from tests.support.expectations import (
    assert_location_equals_store,
    assert_no_trigger_doubled,
    location_matches_store,
    trigger_counts,
)
from tests.support.service import Service
from tests.support.store import resend, store_under_test
from tests.support.waiting import eventually

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_a_new_guest_order_fires_order_submitted_once_and_payment_received_once_when_paid(
    service: Service,
) -> None:
    api = service.api
    with store_under_test() as shop:
        linked = api.link(shop.sim, shop.keys)
        order_id = shop.guest_order("gina@example.com")

        eventually(
            lambda: trigger_counts(api, linked)[("order_submitted", order_id)] == 1,
            what="order_submitted",
        )
        shop.store.update_order(order_id, status="processing")
        eventually(
            lambda: trigger_counts(api, linked)[("payment_received", order_id)] == 1,
            what="payment_received",
        )
        assert_location_equals_store(api, linked, shop.store)
        assert trigger_counts(api, linked) == {
            ("order_submitted", order_id): 1,
            ("payment_received", order_id): 1,
        }
        assert_no_trigger_doubled(api, linked)


def test_deliveries_sent_three_times_in_shuffled_order_with_a_stale_payload_change_nothing(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(customers=2, seed=2) as shop:
        linked = api.link(shop.sim, shop.keys)
        customer = min(shop.store.customers)
        guest = shop.guest_order("sam@example.com", "Sam", "Shuffle")
        registered = shop.store.create_order(customer_id=customer).id
        eventually(lambda: len(shop.deliveries(topic="order.created")) == 2, what="created")
        shop.store.update_order(guest, status="processing")
        shop.store.update_order(registered, status="on-hold")
        eventually(lambda: len(shop.deliveries()) == 4, what="updated")
        shop.store.update_order(registered, status="completed")
        shop.store.add_refund(guest, "5.00", "scratched")
        assert_location_equals_store(api, linked, shop.store)
        fired = trigger_counts(api, linked)
        stored = len(api.deliveries(linked))

        recorded = shop.deliveries()
        stale = recorded[0]  # order.created of the guest order, before it was paid
        replay = [*recorded * 3, stale]
        random.Random(6).shuffle(replay)
        assert set(resend(replay)) == {200}

        assert location_matches_store(api, linked, shop.store)
        assert len(api.deliveries(linked)) == stored  # each one was already in the inbox
        assert trigger_counts(api, linked) == fired
        assert fired == {
            ("order_submitted", guest): 1,
            ("order_submitted", registered): 1,
            ("payment_received", guest): 1,
            ("payment_received", registered): 1,
        }


def test_deliveries_the_store_dropped_are_repaired_by_one_reconciliation(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=3) as shop:
        linked = api.link(shop.sim, shop.keys)
        orders = [shop.guest_order(f"drop{i}@example.com") for i in range(10)]
        eventually(lambda: len(shop.deliveries()) == 10, what="created")
        shop.store.faults.drop_deliveries = 3  # of 15: three payments go unheard
        for order in orders[:5]:
            shop.store.update_order(order, status="processing")
        eventually(lambda: len(shop.deliveries()) == 15, what="updated")
        assert sum(d.dropped for d in shop.deliveries()) == 3
        eventually(
            lambda: (
                len(api.deliveries(linked)) == 12
                and all(d["status"] != "pending" for d in api.deliveries(linked))
            ),
            what="the 12 deliveries processed",
        )
        assert not location_matches_store(api, linked, shop.store)

        api.reconcile(linked)
        assert_location_equals_store(api, linked, shop.store)
        assert_no_trigger_doubled(api, linked)
        fired = trigger_counts(api, linked)
        assert all(fired[("order_submitted", order)] == 1 for order in orders)
        assert all(fired[("payment_received", order)] == 1 for order in orders[:5])


def test_a_webhook_disabled_by_failures_is_recreated_by_the_health_check(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=4) as shop:
        linked = api.link(shop.sim, shop.keys)
        orders = [shop.guest_order(f"fail{i}@example.com") for i in range(7)]
        eventually(lambda: len(shop.deliveries()) == 7, what="created")
        hook = next(w for w in shop.store.webhooks.values() if w.topic == "order.updated")
        hook.secret = "not-the-secret-we-agreed"  # every delivery now fails with 401
        for order in orders:
            shop.store.update_order(order, status="processing")
        eventually(lambda: hook.status == "disabled", what="the webhook disabled")

        api.reconcile(linked)
        eventually(
            lambda: any(
                w.topic == "order.updated" and w.status == "active" and w.id != hook.id
                for w in shop.store.webhooks.values()
            ),
            what="order.updated recreated",
        )
        assert_location_equals_store(api, linked, shop.store)
        shop.store.update_order(orders[0], status="completed")
        assert_location_equals_store(api, linked, shop.store)
        assert_no_trigger_doubled(api, linked)


def test_a_revoked_key_puts_the_connection_into_needs_reconnect(service: Service) -> None:
    api = service.api
    with store_under_test(seed=5) as shop:
        linked = api.link(shop.sim, shop.keys)
        shop.store.revoke_keys()
        api.reconcile(linked)
        eventually(
            lambda: api.connection(linked.connection_id)["status"] == "needs_reconnect",
            what="needs_reconnect",
        )
        assert api.connection(linked.connection_id)["last_error"]


def test_with_order_sync_switched_off_the_next_order_is_not_applied(service: Service) -> None:
    api = service.api
    with store_under_test(seed=6) as shop:
        linked = api.link(shop.sim, shop.keys)
        first = shop.guest_order("on@example.com")
        eventually(lambda: len(api.all(linked, "orders")) == 1, what="the first order")

        assert api.patch_sync(linked, orders=False)["sync"]["orders"] is False
        second = shop.guest_order("off@example.com")
        eventually(
            lambda: (
                [d["status"] for d in api.deliveries(linked) if d["resource_id"] == second]
                == ["ignored"]
            ),
            what="the second order's delivery processed",
        )
        assert [o["woocommerce_order_id"] for o in api.all(linked, "orders")] == [first]
        assert trigger_counts(api, linked) == {("order_submitted", first): 1}


def test_with_contact_sync_off_an_order_still_creates_its_contact(service: Service) -> None:
    api = service.api
    with store_under_test(seed=7) as shop:
        linked = api.link(shop.sim, shop.keys, sync={**ALL_SYNC, "contacts": False})
        customer = shop.store.create_customer(
            email="rita@example.com", first_name="Rita", last_name="Registered"
        )
        shop.store.create_order(customer_id=customer.id)
        contacts = eventually(lambda: api.all(linked, "contacts"), what="the contact")
        assert [(c["email"], c["woocommerce_customer_id"], c["is_guest"]) for c in contacts] == [
            ("rita@example.com", customer.id, False)
        ]
        [order] = api.all(linked, "orders")
        assert order["contact_id"] == contacts[0]["id"]


def test_a_later_guest_order_with_the_same_email_does_not_change_the_guest_contact(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=8) as shop:
        linked = api.link(shop.sim, shop.keys)
        shop.guest_order("gus@example.com", "Gus", "Guest")
        eventually(lambda: len(api.all(linked, "orders")) == 1, what="the first order")
        [before] = api.all(linked, "contacts")
        shop.guest_order("GUS@example.com", "Augustus", "Other")
        eventually(lambda: len(api.all(linked, "orders")) == 2, what="the second order")
        orders = api.all(linked, "orders")
        assert api.all(linked, "contacts") == [before]
        assert (before["first_name"], before["last_name"], before["is_guest"]) == (
            "Gus",
            "Guest",
            True,
        )
        assert {o["contact_id"] for o in orders} == {before["id"]}
