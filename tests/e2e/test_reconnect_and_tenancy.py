"""Issue 5 end to end: disconnect and reconnect, concurrent connects of one store, and what an
agency's key may see; over real HTTP, in both runtime shapes."""

from __future__ import annotations

from decimal import Decimal

from tests.support.api import at_once, ok
from tests.support.expectations import assert_location_matches_store, expected_import
from tests.support.service import Service
from wooconnect.adapters.woocommerce.simulator import RunningSimulator


def test_disconnect_then_reconnect_imports_again_fills_gaps_and_duplicates_nothing(
    service: Service, sim: RunningSimulator
) -> None:
    api, http = service.api, service.http
    tenant = api.new_tenant("Acme")
    first = api.connect(sim, tenant.location_id)
    api.wait_for_imports(first["id"])

    disconnected = http.delete(f"/api/v1/connections/{first['id']}")
    assert disconnected.status_code == 204
    assert sim.store.webhooks == {}, "disconnecting removes the store's webhooks"
    gone = api.connection(first["id"])
    assert gone["status"] == "disconnected"
    missing = http.get(f"/api/v1/locations/{tenant.location_id}/connection")
    assert missing.status_code == 404
    # While disconnected the store moves on: the next import must fill that in.
    customer = sim.store.create_customer(email="late@example.test", first_name="Late")
    order = sim.store.create_order(customer_id=customer.id, status="completed", paid=True)
    sim.store.add_refund(order.id, Decimal("1.00"))
    sim.store.create_order(billing={"email": "new-guest@example.test", "phone": "1"})

    second = api.connect(sim, tenant.location_id)
    assert second["id"] != first["id"]
    api.wait_for_imports(second["id"])

    data = api.location_data(tenant.location_id)
    assert_location_matches_store(data, expected_import(sim.store))
    assert data.triggers == []


def test_two_agencies_starting_on_one_store_at_once_both_wait_for_its_proof(
    api_only: Service, sim: RunningSimulator
) -> None:
    api, http = api_only.api, api_only.http
    a, b = api.new_tenant("Agency A"), api.new_tenant("Agency B")

    answers = at_once(
        *(
            lambda t=t: http.post(
                f"/api/v1/locations/{t.location_id}/woocommerce",
                json={"store_url": sim.base_url},
                headers=t.headers,
            )
            for t in (a, b)
        )
    )

    assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]
    assert [r.json()["status"] for r in answers] == ["awaiting_authorization"] * 2


def test_two_locations_of_one_agency_connecting_the_same_store_at_once_both_succeed(
    api_only: Service, sim: RunningSimulator
) -> None:
    api, http = api_only.api, api_only.http
    tenant = api.new_tenant("Acme")
    second_location = api.new_location(tenant.agency_id, "Acme Branch")

    answers = at_once(
        *(
            lambda location=location: http.post(
                f"/api/v1/locations/{location}/woocommerce", json={"store_url": sim.base_url}
            )
            for location in (tenant.location_id, second_location)
        )
    )
    assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]
    keys = [sim.store.create_api_key() for _ in answers]

    proofs = at_once(
        *(
            lambda started=started, key=key: http.post(
                f"/api/v1/connections/{started.json()['id']}/credentials",
                json={"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret},
            )
            for started, key in zip(answers, keys, strict=True)
        )
    )

    assert [r.status_code for r in proofs] == [200, 200], [r.text for r in proofs]


def test_an_agency_key_sees_nothing_of_another_agency(
    service: Service, sim: RunningSimulator
) -> None:
    api, http = service.api, service.http
    a, b = api.new_tenant("Agency A"), api.new_tenant("Agency B")
    connection = api.connect(sim, a.location_id, headers=a.headers)
    api.wait_for_imports(connection["id"])
    data = api.location_data(a.location_id)
    assert data.contacts, "agency A has data to hide"
    assert data.orders, "agency A has data to hide"
    cid, lid = connection["id"], a.location_id

    reads = [
        f"/api/v1/agencies/{a.agency_id}",
        f"/api/v1/agencies/{a.agency_id}/locations",
        f"/api/v1/locations/{lid}",
        f"/api/v1/locations/{lid}/connection",
        f"/api/v1/locations/{lid}/contacts",
        f"/api/v1/locations/{lid}/orders",
        f"/api/v1/locations/{lid}/transactions",
        f"/api/v1/locations/{lid}/triggers",
        f"/api/v1/locations/{lid}/trigger-subscriptions",
        f"/api/v1/connections/{cid}",
        f"/api/v1/connections/{cid}/decisions",
    ]
    for path in reads:
        answer = http.get(path, headers=b.headers)
        assert answer.status_code == 404, (path, answer.status_code, answer.text)
        assert answer.json()["error"] == "not_found", path
    writes = [
        ("POST", f"/api/v1/agencies/{a.agency_id}/locations", {"name": "Mine now"}),
        ("POST", f"/api/v1/locations/{lid}/woocommerce", {"store_url": sim.base_url}),
        (
            "POST",
            f"/api/v1/connections/{cid}/credentials",
            {"consumer_key": "ck_x", "consumer_secret": "cs_x"},
        ),
        (
            "PUT",
            f"/api/v1/connections/{cid}/import",
            {"contacts": False, "orders": False, "transactions": False},
        ),
        ("PATCH", f"/api/v1/connections/{cid}/sync", {"contacts": False}),
        ("POST", f"/api/v1/connections/{cid}/activate", None),
        ("POST", f"/api/v1/connections/{cid}/imports", None),
        ("POST", f"/api/v1/connections/{cid}/reconcile", None),
        (
            "POST",
            f"/api/v1/locations/{lid}/trigger-subscriptions",
            {"url": "https://hook.example.com/x", "events": ["order_submitted"]},
        ),
        ("DELETE", f"/api/v1/connections/{cid}", None),
    ]
    for method, path, body in writes:
        answer = http.request(method, path, json=body, headers=b.headers)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
    listed = ok(http.get("/api/v1/agencies", headers=b.headers))
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [agency["id"] for agency in items] == [b.agency_id]

    still = ok(http.get(f"/api/v1/connections/{cid}", headers=a.headers))
    assert still["status"] == "active"
    assert still["sync"]["contacts"] is True
    assert api.location_data(lid) == data
