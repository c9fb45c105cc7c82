"""Reliability drills on the sync side: a worker killed mid-burst, Redis stopped or restarted
under a burst of deliveries, a rule file broken while running. Each ends with the location
equal to the store, no duplicate, no lost delivery and no doubled trigger."""

from __future__ import annotations

import pytest

from tests.e2e_sync.support import (
    Linked,
    Service,
    StoreUnderTest,
    assert_location_equals_store,
    eventually,
    expected_triggers,
    store_under_test,
    trigger_counts,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def assert_triggers_fired_once(service: Service, linked: Linked, shop: StoreUnderTest) -> None:
    assert trigger_counts(service.api, linked) == expected_triggers(shop.store)


def applied(service: Service, linked: Linked) -> int:
    return sum(d["status"] == "applied" for d in service.api.deliveries(linked))


def burst(shop: StoreUnderTest, count: int, tag: str) -> list[int]:
    return [shop.guest_order(f"{tag}{i}@example.com") for i in range(count)]


def test_a_worker_killed_while_processing_deliveries_loses_and_doubles_nothing(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=21) as shop:
        linked = api.connect(shop.sim, shop.keys)
        orders = burst(shop, 120, "kill")
        eventually(lambda: applied(service, linked) >= 10, what="processing under way")
        service.kill_worker()
        assert applied(service, linked) < len(orders), "the burst ended before the kill"

        service.start_worker()
        assert_location_equals_store(api, linked, shop.store)
        assert len(api.deliveries(linked)) == len(orders)
        assert_triggers_fired_once(service, linked, shop)


def test_redis_down_during_a_burst_of_200_deliveries_accepts_stores_and_later_applies_all(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=22) as shop:
        linked = api.connect(shop.sim, shop.keys)
        service.redis.stop()
        burst(shop, 200, "down")
        eventually(lambda: len(shop.deliveries()) == 200, what="200 deliveries made")
        assert {d.status_code for d in shop.deliveries()} == {200}
        inbox = api.deliveries(linked)
        assert len(inbox) == 200
        assert {d["status"] for d in inbox} == {"pending"}

        service.redis.start()
        assert_location_equals_store(api, linked, shop.store)
        assert {d["status"] for d in api.deliveries(linked)} == {"applied"}
        assert_triggers_fired_once(service, linked, shop)


def test_redis_restarted_during_a_delivery_burst_loses_and_doubles_nothing(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=23) as shop:
        linked = api.connect(shop.sim, shop.keys)
        orders = burst(shop, 150, "restart")
        eventually(lambda: len(shop.deliveries()) >= 30, what="the burst under way")
        service.redis.stop()  # whatever it held is gone: no persistence
        service.redis.start()
        eventually(lambda: len(shop.deliveries()) == 150, what="150 deliveries made")
        assert {d.status_code for d in shop.deliveries()} == {200}

        assert_location_equals_store(api, linked, shop.store)
        assert len(api.deliveries(linked)) == len(orders)
        assert_triggers_fired_once(service, linked, shop)


def test_a_rule_file_broken_while_running_leaves_the_last_good_rules_in_force(
    service: Service,
) -> None:
    api = service.api
    mapping = service.rules_dir / "order_status.yaml"
    good = mapping.read_text()
    with store_under_test(seed=24) as shop:
        linked = api.connect(shop.sim, shop.keys)
        try:
            mapping.write_text(good.replace("rules:", "rules: [", 1))
            eventually(lambda: api.call("GET", "/api/v1/rules")["errors"], what="API noticed")
            eventually(lambda: "not reloaded" in service.worker_log, what="worker noticed")

            statuses = ["completed", "cancelled", "failed", "on-hold", "refunded", "pending"]
            for i, status in enumerate(statuses):
                shop.guest_order(f"rules{i}@example.com", status=status)
            assert_location_equals_store(api, linked, shop.store)
            assert_triggers_fired_once(service, linked, shop)
        finally:
            mapping.write_text(good)
        eventually(lambda: not api.call("GET", "/api/v1/rules")["errors"], what="rules fixed")
