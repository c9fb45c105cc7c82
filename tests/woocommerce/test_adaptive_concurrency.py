"""The client's requests in flight to a store: at most the connection's store concurrency,
fewer while the store struggles (429, 503, timeouts), back up as it recovers."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from tests.woocommerce.conftest import access_for, http_client_for, woo_client
from tests.woocommerce.test_client_resilience import ACCESS, ORDER, mocked
from wooconnect.adapters.woocommerce import RetryPolicy
from wooconnect.adapters.woocommerce.simulator import SimulatedStore, running_simulator
from wooconnect.adapters.woocommerce.simulator.records import HIDDEN_FROM_ANY
from wooconnect.app.errors import UpstreamUnavailable

PATIENT = RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=2.0)


def api_requests(store: SimulatedStore) -> int:
    with store.lock:
        return len(store.request_log)


async def test_a_connection_s_store_concurrency_bounds_the_requests_in_flight(
    sim_store: SimulatedStore,
) -> None:
    with running_simulator(sim_store, latency_ms=30) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=2, concurrency=8)
            access = replace(access_for(sim), concurrency=3)
            pages = [p async for p in client.customers(access)]
    assert sum(len(p.items) for p in pages) == len(sim_store.customers)
    assert sim_store.peak_in_flight == 3


async def test_a_store_whose_workers_are_all_busy_gets_fewer_requests_then_more_again(
    sim_store: SimulatedStore,
) -> None:
    # A store with two PHP workers: a third request at once is answered 503.
    sim_store.faults.update({"overload_above": 2})
    with running_simulator(sim_store, latency_ms=30) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=2, concurrency=8, retry=PATIENT)
            access = access_for(sim)
            customers = [c async for p in client.customers(access) for c in p.items]
            backed_off = client.window(access).width
            requests = api_requests(sim_store)

            sim_store.faults.update({"overload_above": 0})
            orders = [o async for p in client.orders(access) for o in p.items]
            recovered = client.window(access).width

    # Every customer was read, though the store refused what it could not take.
    assert len(customers) == len(sim_store.customers)
    pages = -(-len(sim_store.customers) // 2)
    assert backed_off < 8
    # After the first burst the client kept mostly within what the store could take.
    assert requests - pages <= 12
    # The store recovered: the window grew back to the connection's ceiling.
    visible = [o for o in sim_store.orders.values() if o.status not in HIDDEN_FROM_ANY]
    assert len(orders) == len(visible)
    assert recovered == 8


async def test_429s_with_retry_after_shrink_the_window_and_are_waited_out(
    sim_store: SimulatedStore,
) -> None:
    sim_store.faults.update({"rate_limit_next": 2, "retry_after": 1})
    with running_simulator(sim_store) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=5, concurrency=8, retry=PATIENT)
            access = access_for(sim)
            started = asyncio.get_running_loop().time()
            customers = [c async for p in client.customers(access) for c in p.items]
            waited = asyncio.get_running_loop().time() - started
            width = client.window(access).width
    assert len(customers) == len(sim_store.customers)
    assert width < 8
    assert waited >= 1.0


async def test_a_store_that_does_not_answer_in_time_gets_half_the_requests() -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=ORDER),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client, _ = mocked(handler, concurrency=8)
    assert await client.get_order(ACCESS, 5) is not None
    assert client.window(ACCESS).width == 4


async def test_a_pause_longer_than_the_policy_holds_every_request_to_that_store() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(429, headers={"Retry-After": "600"})

    client, sleeps = mocked(handler)
    with pytest.raises(UpstreamUnavailable):
        await client.get_order(ACCESS, 5)
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get_customer(ACCESS, 3)
    # The second caller is told to come back later without asking the store again.
    assert len(sent) == 1
    assert caught.value.retry_after == pytest.approx(600)
    assert sleeps.delays == []
