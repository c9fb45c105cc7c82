"""Live work is never starved by imports: with worker processes for live work apart from those
for imports (`wooconnect worker --queues`), a store whose import holds every import thread,
hanging on every request, does not hold up another store's webhooks and triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.expectations import trigger_counts
from tests.support.service import PRODUCTION, running_service
from tests.support.store import store_under_test
from tests.support.waiting import eventually
from wooconnect.adapters.worker.actors import BULK_QUEUES, LIVE_QUEUES

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# Longer than any test runs: the store answers nothing more once it hangs.
FOREVER_S = 3_600.0


def test_a_webhook_is_processed_while_another_stores_import_hangs_on_every_thread(
    tmp_path: Path,
) -> None:
    with running_service(PRODUCTION, tmp_path, start_worker=False) as service:
        # One thread each: a live worker that took an import would be held by it as well.
        service.start_worker(threads=1, queues=BULK_QUEUES)
        service.start_worker(threads=1, queues=LIVE_QUEUES)
        api = service.api
        with (
            store_under_test(seed=5, customers=60, orders=400, latency_ms=300) as busy,
            store_under_test(seed=6) as live,
        ):
            importing = api.new_tenant("Importing")
            connection = api.connect(busy.sim, importing.location_id)
            busy.store.faults.update({"timeout_next": 1_000_000, "hang_seconds": FOREVER_S})

            def import_hangs() -> bool:
                jobs = api.connection(connection["id"])["imports"]
                return any(job["status"] == "running" for job in jobs)

            eventually(import_hangs, what="the first store's import holds the import worker")

            linked = api.link(live.sim, live.keys)
            order_id = live.guest_order("gina@example.com")
            eventually(
                lambda: trigger_counts(api, linked)[("order_submitted", order_id)] == 1,
                what="the other store's order fires its trigger",
            )

            jobs = api.connection(connection["id"])["imports"]
            assert any(job["status"] != "completed" for job in jobs), jobs
