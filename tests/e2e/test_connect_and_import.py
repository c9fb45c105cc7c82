"""Issue 5 end to end: a location connects a store through the wizard, over real HTTP against
the simulated store, and the import brings in exactly the store's eligible records, in both
runtime shapes."""

from __future__ import annotations

from tests.support.expectations import assert_location_matches_store, expected_import
from tests.support.service import Service
from wooconnect.adapters.woocommerce.simulator import RunningSimulator


def connect_and_import(service: Service, sim: RunningSimulator, *, key_grant: bool) -> None:
    api = service.api
    tenant = api.new_tenant("Acme")
    connection = api.connect(sim, tenant.location_id, key_grant=key_grant)

    finished = api.wait_for_imports(connection["id"])

    expected = expected_import(sim.store)
    jobs = {job["entity"]: job for job in finished["imports"]}
    assert {e: j["status"] for e, j in jobs.items()} == {
        "contacts": "completed",
        "orders": "completed",
        "transactions": "completed",
    }
    assert jobs["contacts"]["done"] == len(expected.customer_ids)
    assert jobs["orders"]["done"] == len(expected.order_statuses)
    assert jobs["transactions"]["done"] == expected.refunds
    data = api.location_data(tenant.location_id)
    assert_location_matches_store(data, expected)
    assert data.triggers == [], "a historical import fires no trigger"


def test_the_wizard_connects_the_store_through_the_key_grant_over_https_and_imports_it(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    connect_and_import(https_service, https_sim, key_grant=True)


def test_the_wizard_connects_the_store_with_keys_typed_in_and_imports_it(
    service: Service, sim: RunningSimulator
) -> None:
    connect_and_import(service, sim, key_grant=False)
