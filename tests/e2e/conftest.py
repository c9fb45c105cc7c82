"""Fixtures of the end-to-end tests: a seeded simulated store served over loopback HTTP, and
the service in each runtime shape (see `tests.support`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.service import EMBEDDED, PRODUCTION, Service, ShiftedClock, running_service
from tests.support.store import seeded_store
from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    running_simulator,
)

SEED = 3
CUSTOMERS = 40
ORDERS = 150


@pytest.fixture
def store() -> SimulatedStore:
    return seeded_store(customers=CUSTOMERS, orders=ORDERS, seed=SEED)


@pytest.fixture
def sim(store: SimulatedStore) -> Iterator[RunningSimulator]:
    """The store over plain http (OAuth 1.0a), as the service reaches it."""
    with running_simulator(store) as running:
        yield running


@pytest.fixture(params=[EMBEDDED, pytest.param(PRODUCTION, marks=pytest.mark.slow)])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """The service in both runtime shapes: the embedded default (SQLite, in-process worker),
    and production (PostgreSQL, Redis, a `wooconnect worker` process)."""
    with running_service(request.param, tmp_path) as running:
        yield running


@pytest.fixture(params=[EMBEDDED, pytest.param(PRODUCTION, marks=pytest.mark.slow)])
def api_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """The service in both shapes for what needs no background work: production without
    its worker process."""
    with running_service(request.param, tmp_path, start_worker=False) as running:
        yield running


@pytest.fixture
def clock() -> ShiftedClock:
    """The API's clock, which a test may move forward."""
    return ShiftedClock()


@pytest.fixture(params=[EMBEDDED, pytest.param(PRODUCTION, marks=pytest.mark.slow)])
def https_service(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ShiftedClock
) -> Iterator[Service]:
    """The service in both shapes serving https, its public URL https, on `clock`: the key
    grant as real stores run it."""

    def use_clock(container: Container) -> None:
        container.clock = clock

    with running_service(
        request.param, tmp_path, customise=use_clock, tls=True, http_key_grant=False
    ) as running:
        yield running


@pytest.fixture
def https_sim(store: SimulatedStore, https_service: Service) -> Iterator[RunningSimulator]:
    """The store (over plain http) trusting the https service's certificate, as a real store
    trusts a public one: its key-grant callbacks and webhooks reach the service."""
    with running_simulator(store) as running:
        assert https_service.ca_file is not None
        running.trust(https_service.ca_file)
        yield running
