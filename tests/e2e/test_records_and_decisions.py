"""What the records say, over real HTTP against the simulated store: the store's own dates
beside when the CRM wrote a record, one payment method for a refund however it arrived, and
a decision for every outcome of live sync, found by the store's order or customer id."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.support.api import ALL_IMPORTS, Api, Linked
from tests.support.service import Service
from tests.support.store import store_under_test
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.simulator import RunningSimulator


def second(value: datetime | None) -> datetime | None:
    """A store date as the store's JSON gives it: to the second."""
    return None if value is None else value.replace(microsecond=0)


def instant(value: str | None) -> datetime | None:
    """An API timestamp (`...Z`) as an aware datetime."""
    if value is None:
        return None
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


def test_orders_and_contacts_carry_the_store_s_dates_beside_when_the_crm_wrote_them(
    service: Service, sim: RunningSimulator
) -> None:
    api = service.api
    began = datetime.now(UTC).replace(microsecond=0)
    tenant = api.new_tenant("Acme")
    connection = api.connect(sim, tenant.location_id)
    api.wait_for_imports(connection["id"])
    data = api.location_data(tenant.location_id)

    store = sim.store
    assert data.orders
    for order in data.orders:
        record = store.orders[order["woocommerce_order_id"]]
        assert instant(order["placed_at"]) == second(record.date_created)
        assert instant(order["paid_at"]) == second(record.date_paid)
        assert instant(order["completed_at"]) == second(record.date_completed)
        assert instant(order["store_modified_at"]) == second(record.date_modified)
        written = instant(order["created_at"])
        assert written is not None
        assert written >= began > record.date_created
    registered = [c for c in data.contacts if c["woocommerce_customer_id"] is not None]
    assert registered
    for contact in registered:
        customer = store.customers[contact["woocommerce_customer_id"]]
        assert instant(contact["registered_at"]) == second(customer.date_created)
    guests = [c for c in data.contacts if c["is_guest"]]
    assert guests
    assert all(c["registered_at"] is None for c in guests)


def refunds_by_order(api: Api, linked: Linked) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for txn in api.all(linked, "transactions"):
        if txn["kind"] == "refund":
            found.setdefault(txn["order_id"], []).append(txn)
    return found


def test_a_refund_has_its_order_s_payment_method_whether_imported_or_synced(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(customers=5, orders=40, seed=11) as shop:
        linked = api.link(shop.sim, shop.keys, imports=ALL_IMPORTS)
        orders = {o["id"]: o for o in api.all(linked, "orders")}
        imported = refunds_by_order(api, linked)
        assert imported, "the seeded store has refunds"
        store = shop.store
        paid = next(
            o
            for o in store.orders.values()
            if o.date_paid is not None and not o.refund_ids and o.total > Decimal("2")
        )

        store.add_refund(paid.id, Decimal("1.00"))

        synced_order = next(
            crm_id for crm_id, o in orders.items() if o["woocommerce_order_id"] == paid.id
        )
        eventually(lambda: synced_order in refunds_by_order(api, linked), what="the synced refund")
        for crm_id, refunds in refunds_by_order(api, linked).items():
            title = store.orders[orders[crm_id]["woocommerce_order_id"]].payment_method_title
            assert title
            assert [r["payment_method"] for r in refunds] == [title] * len(refunds)
            assert orders[crm_id]["payment_method"] == title


def decisions(api: Api, linked: Linked, **params: Any) -> list[dict[str, Any]]:
    page = api.call(
        "GET",
        f"/api/v1/connections/{linked.connection_id}/decisions",
        params={"limit": 500, **params},
    )
    items: list[dict[str, Any]] = page["items"]
    return items


def test_live_sync_leaves_a_decision_for_each_trigger_and_mapping_found_by_the_order(
    service: Service,
) -> None:
    api = service.api
    with store_under_test(seed=12) as shop:
        linked = api.link(shop.sim, shop.keys)
        api.patch_sync(linked, order_submitted_trigger=False)
        quiet = shop.guest_order("quiet@example.com")
        eventually(lambda: len(api.all(linked, "orders")) == 1, what="the quiet order")

        about_quiet = decisions(api, linked, woocommerce_order_id=quiet)

        assert {(d["rule_set"], d["outcome"]) for d in about_quiet} == {
            ("order_status", "mapped"),
            ("order_submitted_trigger", "suppressed"),
            ("payment_received_trigger", "not_eligible"),
        }
        [why] = [d for d in about_quiet if d["rule_set"] == "order_submitted_trigger"]
        assert why["trace"]["matched"] == ["trigger_switched_off"]
        suppressed = decisions(api, linked, outcome="suppressed")
        assert [(d["record_type"], d["record_id"]) for d in suppressed] == [("order", str(quiet))]

        api.patch_sync(linked, order_submitted_trigger=True)
        loud = shop.guest_order("loud@example.com")
        eventually(
            lambda: any(d["outcome"] == "fired" for d in decisions(api, linked)),
            what="the loud order's trigger",
        )
        assert ("order_submitted_trigger", "fired") in {
            (d["rule_set"], d["outcome"]) for d in decisions(api, linked, woocommerce_order_id=loud)
        }

        staff = shop.store.create_customer(email="boss@example.com", role="administrator")
        eventually(
            lambda: decisions(api, linked, woocommerce_customer_id=staff.id),
            what="the staff member's decision",
        )
        [skipped] = decisions(api, linked, woocommerce_customer_id=staff.id)
        assert (skipped["rule_set"], skipped["outcome"]) == ("customer_eligibility", "skipped")


def test_decisions_filter_by_one_store_record_at_a_time(service: Service) -> None:
    api = service.api
    with store_under_test(seed=13) as shop:
        linked = api.link(shop.sim, shop.keys)
        answer = api.http.get(
            f"/api/v1/connections/{linked.connection_id}/decisions",
            params={"woocommerce_order_id": 1, "woocommerce_customer_id": 2},
        )
        assert answer.status_code == 422
        assert answer.json()["fields"]
        assert decisions(api, linked, woocommerce_order_id=12345) == []
