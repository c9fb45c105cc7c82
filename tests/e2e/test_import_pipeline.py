"""The import jobs are a pipeline: the transactions job (refunds) starts when the orders job of
its run has finished, without polling for it against a retry budget; a slow store whose orders
take long still gets every refund."""

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
from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.woocommerce.simulator import RunningSimulator, running_simulator
from wooconnect.app.tasks import IMPORT_RUN

pytestmark = pytest.mark.slow


@pytest.fixture
def slow_sim() -> Iterator[RunningSimulator]:
    # Fifteen pages of orders at 400 ms a request: the orders job runs for seconds. (Seed 14
    # gives every phone number to one person at this size.)
    store = seeded_store(customers=60, orders=1_500, seed=14)
    with running_simulator(store, latency_ms=400) as sim:
        yield sim


def without_retries(container: Container) -> None:
    """`imports.run` gets no retry at all: a transactions job that asked to be run again until
    its orders were in would fail at its first attempt."""
    actor = container.job_queue.broker.get_actor(IMPORT_RUN)
    actor.options["max_retries"] = 0


def test_the_transactions_job_starts_when_the_orders_job_has_finished(
    tmp_path: Path, slow_sim: RunningSimulator
) -> None:
    with running_service(EMBEDDED, tmp_path, customise=without_retries) as service:
        api = service.api
        tenant = api.new_tenant("Acme")
        connection = api.connect(slow_sim, tenant.location_id)
        cid = connection["id"]
        seen: dict[str, Any] = {}

        def orders_running() -> bool:
            latest = api.connection(cid)
            seen.update({job["entity"]: job for job in latest["imports"]})
            return bool(seen["orders"]["status"] == "running" and seen["orders"]["done"] > 0)

        eventually(orders_running, what="the orders job is running", every=0.1)
        # While the orders come in, the transactions job waits without having started.
        assert seen["transactions"]["status"] == "queued"
        assert seen["transactions"]["started_at"] is None

        finished = api.wait_for_imports(cid)
        jobs = {job["entity"]: job for job in finished["imports"]}
        assert {entity: job["status"] for entity, job in jobs.items()} == {
            "contacts": "completed",
            "orders": "completed",
            "transactions": "completed",
        }
        started = datetime.fromisoformat(jobs["transactions"]["started_at"])
        assert started >= datetime.fromisoformat(jobs["orders"]["finished_at"])
        expected = expected_import(slow_sim.store)
        assert expected.refunds > 0
        assert jobs["transactions"]["done"] == expected.refunds
        assert_location_matches_store(api.location_data(tenant.location_id), expected)
