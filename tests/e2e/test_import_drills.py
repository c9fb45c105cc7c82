"""Issue 8 drills, import side: the worker SIGKILLed mid-import, the database dropping the
service's connections mid-transaction, and the store throttling, failing and hanging for a
while. Each ends with the location equal to the store, nothing duplicated, every webhook
delivery the store made stored and processed, and no trigger fired twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis
from sqlalchemy.engine import make_url

from tests.support.api import Api
from tests.support.expectations import assert_location_matches_store, expected_import
from tests.support.service import EMBEDDED, PRODUCTION, Service, running_service
from tests.support.services import POSTGRES_URL
from tests.support.store import seeded_store
from tests.support.waiting import eventually
from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.woocommerce import WooCommerceClient
from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    running_simulator,
)

pytestmark = pytest.mark.slow

# Big enough, and slow enough per request, that an import is still running when it is hit.
LARGE = {"customers": 60, "orders": 400, "seed": 3}
LATENCY_MS = 120


@pytest.fixture
def large_store() -> SimulatedStore:
    return seeded_store(**LARGE)


@pytest.fixture
def slow_sim(large_store: SimulatedStore) -> Iterator[RunningSimulator]:
    with running_simulator(large_store, latency_ms=LATENCY_MS) as running:
        yield running


def place_live_orders(store: SimulatedStore) -> list[int]:
    """Orders placed while the drill runs: a registered customer's paid order and a new
    guest's pending one. Their webhooks reach the service during the drill."""
    buyer = next(c for c in store.customers.values() if c.role == "customer")
    paid = store.create_order(customer_id=buyer.id, status="processing", paid=True)
    guest = store.create_order(
        billing={"email": "walk-in@example.test", "phone": "5550000001", "first_name": "Walk"}
    )
    return [paid.id, guest.id]


def running_job(api: Api, connection_id: str, entity: str) -> bool:
    """Whether the `entity` import has committed a page and is still running."""
    connection = api.connection(connection_id)
    job = next((j for j in connection["imports"] if j["entity"] == entity), None)
    return job is not None and job["status"] == "running" and job["done"] > 0


def assert_drill_left_no_trace(
    service: Service,
    sim: RunningSimulator,
    location_id: str,
    connection_id: str,
    live_orders: list[int],
) -> None:
    """The location equals the store, every delivery was stored and processed, no trigger
    fired twice nor for a historical order, and the import's own counts add up."""
    api = service.api
    finished = api.wait_for_imports(connection_id)
    expected = expected_import(sim.store)
    jobs = {job["entity"]: job for job in finished["imports"]}
    assert {e: j["status"] for e, j in jobs.items()} == dict.fromkeys(jobs, "completed"), jobs
    assert jobs["orders"]["done"] + jobs["orders"]["skipped"] == jobs["orders"]["total"], jobs

    made = [d for d in sim.store.deliveries if d.kind == "delivery" and d.status_code == 200]

    stored: list[dict[str, Any]] = []

    def all_processed() -> bool:
        nonlocal stored
        stored = api.list_all(f"/api/v1/connections/{connection_id}/deliveries")
        return len(stored) >= len(made) and all(
            d["status"] in {"applied", "ignored"} for d in stored
        )

    eventually(
        all_processed,
        what="every delivery is processed",
        every=0.2,
        progress=lambda: tuple(sorted(Counter(d["status"] for d in stored).items())),
    )
    data = api.location_data(location_id)
    assert_location_matches_store(data, expected)
    fired = Counter((t["type"], t["order_id"]) for t in data.triggers)
    assert [key for key, n in fired.items() if n > 1] == [], "a trigger fired twice"
    historical = {o["id"] for o in data.orders if o["woocommerce_order_id"] not in live_orders}
    assert not any(t["order_id"] in historical for t in data.triggers), (
        "the historical import fired a trigger"
    )


def forget_the_last_start(service: Service) -> None:
    """Let the start hooks run again, as when the restart comes after their claim expired:
    the restarted worker then re-sends the unfinished jobs while the dead worker's message
    also comes back, and each job runs twice at once."""
    client = redis.Redis.from_url(service.redis_url)
    try:
        for key in client.scan_iter("*start:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.mark.parametrize("late_restart", [False, True], ids=["prompt-restart", "late-restart"])
def test_a_worker_killed_mid_import_and_restarted_finishes_with_exact_counts(
    tmp_path: Path, slow_sim: RunningSimulator, late_restart: bool
) -> None:
    with running_service(PRODUCTION, tmp_path) as service:
        api = service.api
        tenant = api.new_tenant("Acme")
        connection = api.connect(slow_sim, tenant.location_id)
        cid = connection["id"]
        eventually(lambda: running_job(api, cid, "orders"), what="the orders import is half way")

        service.kill_workers()
        live = place_live_orders(slow_sim.store)
        stalled = api.connection(cid)
        assert any(j["status"] != "completed" for j in stalled["imports"])
        if late_restart:
            forget_the_last_start(service)
        service.start_worker()

        assert_drill_left_no_trace(service, slow_sim, tenant.location_id, cid, live)


async def terminate_service_connections(database_url: str) -> int:
    """pg_terminate_backend on every connection to the service's database, as a failover or
    a restarted PostgreSQL would; returns how many were cut."""
    name = make_url(database_url).database
    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    admin = await asyncpg.connect(dsn)
    try:
        cut: int = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    return cut


def test_database_connections_dropped_mid_import_lose_and_double_nothing(
    tmp_path: Path, slow_sim: RunningSimulator
) -> None:
    with running_service(PRODUCTION, tmp_path) as service:
        api = service.api
        tenant = api.new_tenant("Acme")
        connection = api.connect(slow_sim, tenant.location_id)
        cid = connection["id"]
        eventually(lambda: running_job(api, cid, "orders"), what="the orders import is half way")
        live = place_live_orders(slow_sim.store)
        cuts = 0
        for _ in range(3):
            cuts += asyncio.run(terminate_service_connections(service.database_url))
            asyncio.run(slow_sim.wait_for_deliveries(1, within=0.3))
        assert cuts > 0

        assert_drill_left_no_trace(service, slow_sim, tenant.location_id, cid, live)


def impatient_store_client(container: Container) -> None:
    """The service's store client with a one-second timeout, so that a hanging store times
    out within the test's budget (the default waits 30 seconds)."""
    container.store = WooCommerceClient(
        container.http,
        allow_private_stores=True,
        timeout=httpx.Timeout(1.0),
    )


@pytest.fixture
def throttled_sim(store: SimulatedStore) -> Iterator[RunningSimulator]:
    """The usual store, slow enough per request that faults set after activation still meet
    most of the import's requests."""
    with running_simulator(store, latency_ms=LATENCY_MS) as running:
        yield running


# More failures in a row than one request's retries absorb (5 attempts), so the import job
# itself has to be retried from its checkpoint.
@pytest.mark.parametrize(
    "faults",
    [
        {"rate_limit_next": 6, "retry_after": 1},
        {"server_error_next": 6, "server_error_status": 500},
        {"timeout_next": 3, "hang_seconds": 2.0},
    ],
    ids=["429", "500", "timeouts"],
)
def test_a_store_failing_for_a_while_mid_import_ends_with_the_location_equal_to_it(
    tmp_path: Path, throttled_sim: RunningSimulator, faults: dict[str, Any]
) -> None:
    with running_service(EMBEDDED, tmp_path, customise=impatient_store_client) as service:
        tenant = service.api.new_tenant("Acme")
        connection = service.api.connect(throttled_sim, tenant.location_id)
        cid = connection["id"]
        throttled_sim.store.faults.update(faults)
        live = place_live_orders(throttled_sim.store)

        assert_drill_left_no_trace(service, throttled_sim, tenant.location_id, cid, live)
        remaining = throttled_sim.store.faults.as_dict()
        assert all(remaining[name] == 0 for name in faults if name.endswith("_next")), (
            "the import went through every injected failure"
        )
