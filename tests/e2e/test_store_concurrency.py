"""A connection's store concurrency governs the requests its import sends the store."""

from __future__ import annotations

from pathlib import Path

from tests.support.service import EMBEDDED, running_service
from tests.support.store import seeded_store
from wooconnect.adapters.woocommerce.simulator import running_simulator


def test_an_import_keeps_within_the_connection_s_store_concurrency(tmp_path: Path) -> None:
    # Contacts and orders are imported at once, and a page is fetched ahead of the one being
    # applied: left to the default (4), the store would see several requests at a time.
    store = seeded_store(customers=40, orders=450, seed=3)
    with (
        running_simulator(store, latency_ms=20) as sim,
        running_service(EMBEDDED, tmp_path) as service,
    ):
        tenant = service.api.new_tenant("Acme")
        connection = service.api.connect(sim, tenant.location_id, store_concurrency=1)
        finished = service.api.wait_for_imports(connection["id"])
    assert {job["status"] for job in finished["imports"]} == {"completed"}
    assert finished["store_concurrency"] == 1
    assert store.peak_in_flight == 1
