"""Workflow subscribers end to end: the trigger events of live sync reach a subscribed URL
signed, exactly once each, even when the store's deliveries arrive again."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tests.support.expectations import trigger_counts
from tests.support.service import Service
from tests.support.store import resend, store_under_test
from tests.support.waiting import eventually
from tests.woocommerce.receiver import Received, running_receiver

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def verified(request: Received, secret: str) -> bool:
    """The check README.md asks subscribers to make."""
    timestamp = request.headers["x-wooconnect-timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    signature = request.headers["x-wooconnect-signature"]
    fresh = abs(time.time() - int(timestamp)) <= 300
    return fresh and hmac.compare_digest(signature, f"sha256={expected}")


def test_a_subscriber_receives_each_trigger_event_once_signed(service: Service) -> None:
    api = service.api
    with store_under_test(seed=31) as shop, running_receiver() as subscriber:
        linked = api.link(shop.sim, shop.keys)
        subscription = api.call(
            "POST",
            f"/api/v1/locations/{linked.location_id}/trigger-subscriptions",
            201,
            json={
                "url": f"{subscriber.url}/hooks",
                "events": ["order_submitted", "payment_received"],
            },
        )
        order = shop.guest_order("sub@example.com")
        eventually(lambda: len(subscriber.received) == 1, what="order_submitted delivered")
        shop.store.update_order(order, status="processing")
        eventually(lambda: len(subscriber.received) == 2, what="payment_received delivered")
        assert set(resend(shop.deliveries() * 2)) == {200}
        eventually(
            lambda: all(d["status"] != "pending" for d in api.deliveries(linked)),
            what="the replayed deliveries processed",
        )

        with subscriber.lock:
            received = list(subscriber.received)
        events = [json.loads(r.body) for r in received]
        assert [e["type"] for e in events] == ["order_submitted", "payment_received"]
        assert all(verified(r, subscription["secret"]) for r in received)
        assert [r.headers["x-wooconnect-event-id"] for r in received] == [e["id"] for e in events]
        assert len({e["id"] for e in events}) == 2
        assert {e["order"]["woocommerce_order_id"] for e in events} == {order}
        assert trigger_counts(api, linked) == {
            ("order_submitted", order): 1,
            ("payment_received", order): 1,
        }
        states = {t["type"]: t["delivery_state"] for t in api.all(linked, "triggers")}
        assert states == {"order_submitted": "delivered", "payment_received": "delivered"}
        # Support reads the order by the number the store shows people, on both lists.
        numbers = {e["order"]["number"] for e in events}
        assert {t["order_number"] for t in api.all(linked, "triggers")} == numbers
        order_deliveries = [d for d in api.deliveries(linked) if d["resource"] == "order"]
        assert {d["order_number"] for d in order_deliveries} == numbers
