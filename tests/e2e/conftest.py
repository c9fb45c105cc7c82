"""Fixtures of the end-to-end tests: a seeded simulated store served over loopback HTTP, and
the service in each runtime shape (see `tests.e2e.support`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    StoreSettings,
    running_simulator,
    seed_store,
)
from tests.e2e.support import (
    EMBEDDED,
    PRODUCTION,
    Service,
    phones_shared_by_different_people,
    running_service,
)

SEED = 3
CUSTOMERS = 40
ORDERS = 150


def seeded_store(
    *, customers: int = CUSTOMERS, orders: int = ORDERS, seed: int = SEED
) -> SimulatedStore:
    """A deterministic store; each phone number belongs to one person, so that contacts (also
    matched by phone) correspond one to one to e-mail addresses."""
    store = SimulatedStore(StoreSettings(coalesce_seconds=0.05), seed=seed)
    seed_store(store, customers=customers, orders=orders, seed=seed)
    assert phones_shared_by_different_people(store) == set(), "pick another seed"
    return store


@pytest.fixture
def store() -> SimulatedStore:
    return seeded_store()


@pytest.fixture
def sim(store: SimulatedStore) -> Iterator[RunningSimulator]:
    """The store over plain http (OAuth 1.0a), as the service reaches it."""
    with running_simulator(store) as running:
        yield running


@pytest.fixture(params=[EMBEDDED, pytest.param(PRODUCTION, marks=pytest.mark.slow)])
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Service]:
    """The service in both runtime shapes: the embedded default (SQLite, in-process worker),
    and production (PostgreSQL, Redis, a `wooconnect worker` process)."""
    async with running_service(request.param, tmp_path) as running:
        yield running


@pytest.fixture(params=[EMBEDDED, pytest.param(PRODUCTION, marks=pytest.mark.slow)])
async def api_only(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Service]:
    """The service in both shapes for what needs no background work: production without
    its worker process."""
    async with running_service(request.param, tmp_path, start_worker=False) as running:
        yield running
