"""The streams of one import page side by side: customers, orders and refunds each run as a
job of their own from the start, and a refund whose order's page comes later is imported all
the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.expectations import assert_location_matches_store, expected_import
from tests.support.service import EMBEDDED, running_service
from tests.support.store import seeded_store
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.simulator import RunningSimulator, running_simulator

pytestmark = pytest.mark.slow


@pytest.fixture
def slow_sim() -> Iterator[RunningSimulator]:
    # Fifteen pages of orders at 400 ms a request: the orders job runs for seconds. (Seed 14
    # gives every phone number to one person at this size.)
    store = seeded_store(customers=60, orders=1_500, seed=14)
    with running_simulator(store, latency_ms=400) as sim:
        yield sim


def test_refunds_are_imported_while_the_orders_still_come_in(
    tmp_path: Path, slow_sim: RunningSimulator
) -> None:
    with running_service(EMBEDDED, tmp_path) as service:
        api = service.api
        tenant = api.new_tenant("Acme")
        connection = api.connect(slow_sim, tenant.location_id)
        cid = connection["id"]
        seen: dict[str, Any] = {}

        def refunds_imported() -> bool:
            latest = api.connection(cid)
            seen.update({job["entity"]: job for job in latest["imports"]})
            return bool(seen["transactions"]["done"] > 0)

        eventually(refunds_imported, what="the transactions job has imported refunds", every=0.1)
        # The refunds came in while the orders job was still paging.
        assert seen["orders"]["status"] == "running"

        finished = api.wait_for_imports(cid)
        jobs = {job["entity"]: job for job in finished["imports"]}
        assert {entity: job["status"] for entity, job in jobs.items()} == {
            "contacts": "completed",
            "orders": "completed",
            "transactions": "completed",
        }
        started = datetime.fromisoformat(jobs["transactions"]["started_at"])
        assert started < datetime.fromisoformat(jobs["orders"]["finished_at"])
        expected = expected_import(slow_sim.store)
        assert expected.refunds > 0
        assert (jobs["transactions"]["done"], jobs["transactions"]["skipped"]) == (
            expected.refunds,
            0,
        )
        assert_location_matches_store(api.location_data(tenant.location_id), expected)
