"""Fixtures for the WooCommerce adapter: a seeded simulated store served over loopback HTTP
(OAuth 1.0a) or HTTPS (Basic), clients wired to it, and the captured real-store fixtures.

Reusable elsewhere: `sim_store`, `simulator`, `dev_simulator`, `tls_simulator`, `receiver`, and
the helpers
`access_for`, `http_client_for`, `woo_client`.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.woocommerce.receiver import Receiver, running_receiver
from wooconnect.adapters.woocommerce import RetryPolicy, WooCommerceClient
from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    StoreSettings,
    running_simulator,
    seed_store,
)
from wooconnect.app.ports.store import StoreAccess
from wooconnect.domain.connection import StoreCredentials
from wooconnect.domain.store_url import StoreUrl

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "woocommerce-10.0.2"
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.5)
SEED = 7


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The captured WooCommerce 10.0.2 responses, kept in `tests/fixtures/`."""
    if not FIXTURES.is_dir():
        pytest.fail(f"the real-store fixtures are missing: expected {FIXTURES}")
    return FIXTURES


@pytest.fixture
def sim_store() -> SimulatedStore:
    """A deterministic store: 30 users of every role, 120 orders, one read_write key."""
    store = SimulatedStore(StoreSettings(coalesce_seconds=0.05), seed=SEED)
    seed_store(store, customers=30, orders=120, seed=SEED)
    store.create_api_key(consumer_key="ck_" + "a" * 40, consumer_secret="cs_" + "b" * 40)
    return store


@pytest.fixture
def simulator(sim_store: SimulatedStore) -> Iterator[RunningSimulator]:
    """The store over plain http: OAuth 1.0a only, like a real store without TLS."""
    with running_simulator(sim_store) as running:
        yield running


@pytest.fixture
def dev_simulator(sim_store: SimulatedStore) -> Iterator[RunningSimulator]:
    """The store over plain http that also takes a plain-http key-grant callback, as a
    development store may (a real one refuses it)."""
    sim_store.settings = replace(sim_store.settings, require_https_callback=False)
    with running_simulator(sim_store) as running:
        yield running


@pytest.fixture
def tls_simulator(sim_store: SimulatedStore) -> Iterator[RunningSimulator]:
    """The store over https with a self-signed certificate: Basic and query-string keys."""
    with running_simulator(sim_store, tls=True) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP endpoint that records what is POSTed to it (webhooks, key-grant callbacks)."""
    with running_receiver() as running:
        yield running


def access_for(sim: RunningSimulator, connection_id: str = "conn-1") -> StoreAccess:
    """Access to the simulator with its first key pair."""
    key = next(iter(sim.store.api_keys.values()))
    return StoreAccess(
        connection_id=connection_id,
        store_url=StoreUrl.parse(sim.base_url, allow_insecure=True),
        credentials=StoreCredentials(key.consumer_key, key.consumer_secret),
    )


def http_client_for(sim: RunningSimulator, **options: object) -> httpx.AsyncClient:
    """An httpx client that trusts the simulator's certificate when it serves TLS."""
    verify: ssl.SSLContext | bool = True
    if sim.ca_file is not None:
        verify = ssl.create_default_context(cafile=str(sim.ca_file))
    return httpx.AsyncClient(verify=verify, **options)  # type: ignore[arg-type]


def woo_client(http: httpx.AsyncClient, **options: object) -> WooCommerceClient:
    """The client under test, with fast retries and private addresses allowed (loopback)."""
    settings: dict[str, object] = {"retry": FAST_RETRY, "allow_private_stores": True}
    settings.update(options)
    return WooCommerceClient(http, **settings)  # type: ignore[arg-type]


@pytest.fixture
async def http(simulator: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client_for(simulator) as client:
        yield client
