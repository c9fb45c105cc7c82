"""Live sync end to end: the store delivers its webhooks over real HTTP to the service, whose
worker process applies them through Redis into PostgreSQL."""

from __future__ import annotations

import pytest

from tests.e2e_sync.support import (
    Service,
    assert_location_equals_store,
    assert_no_trigger_doubled,
    eventually,
    store_under_test,
    trigger_counts,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_a_new_guest_order_fires_order_submitted_once_and_payment_received_once_when_paid(
    service: Service,
) -> None:
    api = service.api
    with store_under_test() as shop:
        linked = api.connect(shop.sim, shop.keys)
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
