"""Paging: concurrent fetching, strictly ordered yielding, and no record lost or doubled while
the store keeps changing."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from tests.woocommerce.conftest import access_for, http_client_for, woo_client
from wooconnect.adapters.woocommerce.paging import ordered_pages
from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    running_simulator,
)
from wooconnect.domain.store import StorePage


def _pages_requested(store: SimulatedStore, path: str) -> list[int]:
    return [
        int(parse_qs(query)["page"][0])
        for _, request_path, query in store.request_log
        if request_path.endswith(path)
    ]


async def test_pages_come_in_order_while_fetched_concurrently() -> None:
    in_flight = 0
    peak = 0

    async def fetch(number: int) -> StorePage[int]:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        # Later pages answer sooner: order must come from the pager, not from the network.
        await asyncio.sleep(0.02 * (10 - number))
        in_flight -= 1
        return StorePage(items=(number,), page=number, total=9, total_pages=9)

    pages = [p.page async for p in ordered_pages(fetch, start_page=1, concurrency=4)]
    assert pages == list(range(1, 10))
    assert peak == 4


async def test_concurrency_one_is_the_sequential_pager() -> None:
    in_flight = 0
    peak = 0

    async def fetch(number: int) -> StorePage[int]:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return StorePage(items=(number,), page=number, total=5, total_pages=5)

    assert [p.page async for p in ordered_pages(fetch, start_page=1, concurrency=1)] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert peak == 1


async def test_the_next_pages_are_fetched_while_the_consumer_works_on_one() -> None:
    started: list[int] = []
    in_flight: set[int] = set()
    peak = 0
    ahead_while_holding: list[int] = []

    async def fetch(number: int) -> StorePage[int]:
        nonlocal peak
        started.append(number)
        in_flight.add(number)
        peak = max(peak, len(in_flight))
        await asyncio.sleep(0.005)
        in_flight.discard(number)
        return StorePage(items=(number,), page=number, total=8, total_pages=8)

    async for page in ordered_pages(fetch, start_page=1, concurrency=3):
        await asyncio.sleep(0)  # let the requests launched before the hand-over start
        ahead_while_holding.append(max(started) - page.page)
        await asyncio.sleep(0.01)  # the consumer's work on the page
    # Three pages ahead of the one in hand (fewer at the end), never more than three at once.
    assert ahead_while_holding == [3, 3, 3, 3, 3, 2, 1, 0]
    assert sorted(started) == list(range(1, 9))
    assert peak == 3


async def test_leaving_early_cancels_the_pages_in_flight() -> None:
    cancelled: list[int] = []

    async def fetch(number: int) -> StorePage[int]:
        try:
            await asyncio.sleep(0 if number == 1 else 0.01 * number)
        except asyncio.CancelledError:
            cancelled.append(number)
            raise
        return StorePage(items=(number,), page=number, total=50, total_pages=50)

    async with contextlib.aclosing(ordered_pages(fetch, start_page=1, concurrency=4)) as pages:
        async for page in pages:
            if page.page == 2:
                break
    assert cancelled
    assert all(n > 2 for n in cancelled)


async def test_the_client_pages_the_store_concurrently_each_page_once(
    sim_store: SimulatedStore,
) -> None:
    with running_simulator(sim_store, latency_ms=20) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=10)
            pages = [p async for p in client.orders(access_for(sim))]
    requested = _pages_requested(sim_store, "/orders")
    visible = [o for o in sim_store.orders.values() if o.status not in {"trash", "checkout-draft"}]
    assert [p.page for p in pages] == list(range(1, len(pages) + 1))
    assert sorted(requested) == list(range(1, len(pages) + 1))
    assert Counter(requested).most_common(1)[0][1] == 1
    ids = [o.id for p in pages for o in p.items]
    assert ids == sorted(o.id for o in visible)


async def test_paging_resumes_from_a_checkpointed_page(simulator: RunningSimulator) -> None:
    async with http_client_for(simulator) as http:
        client = woo_client(http, page_size=10)
        everything = [o.id async for p in client.customers(access_for(simulator)) for o in p.items]
        rest = [
            o.id
            async for p in client.customers(access_for(simulator), start_page=3)
            for o in p.items
        ]
    assert rest == everything[20:]


async def test_customers_of_every_role_are_listed_not_only_the_default_role(
    simulator: RunningSimulator,
) -> None:
    async with http_client_for(simulator) as http:
        pages = [p async for p in woo_client(http).customers(access_for(simulator))]
    roles = {c.role for p in pages for c in p.items}
    assert {"customer", "subscriber", "administrator", "shop_manager"} <= roles


async def test_customers_registered_since_come_newest_first_and_the_paging_stops_there(
    sim_store: SimulatedStore,
) -> None:
    since = sim_store.now() - timedelta(seconds=1)
    newcomers = [
        sim_store.create_customer(email=f"new{n}@example.test", role=role).id
        for n, role in enumerate(["customer", "subscriber", "customer"])
    ]
    with running_simulator(sim_store) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=2)
            before = len(sim_store.request_log)
            pages = [p async for p in client.customers_registered_since(access_for(sim), since)]
            requests = sim_store.request_log[before:]
    assert [c.id for p in pages for c in p.items] == sorted(newcomers, reverse=True)
    # Two pages: the second reaches back past `since`; the thirty older customers are not read.
    assert len(requests) == 2
    assert all("orderby=registered_date" in query for _, _, query in requests)
    assert all("role=all" in query for _, _, query in requests)


async def test_orders_added_during_a_run_are_picked_up_when_the_store_grows(
    sim_store: SimulatedStore,
) -> None:
    with running_simulator(sim_store, latency_ms=15) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=10, concurrency=2)
            seen: list[int] = []
            async for page in client.orders(access_for(sim)):
                if page.page == 1:
                    for _ in range(25):
                        sim_store.create_order(customer_id=3, status="processing")
                seen.extend(o.id for o in page.items)
    visible = sorted(
        o.id for o in sim_store.orders.values() if o.status not in {"trash", "checkout-draft"}
    )
    assert seen == visible
    assert Counter(_pages_requested(sim_store, "/orders")).most_common(1)[0][1] == 1


async def test_an_incremental_run_misses_nothing_and_doubles_nothing_while_orders_change(
    sim_store: SimulatedStore,
) -> None:
    # Live changes get consecutive seconds, like a busy store.
    ticks = iter(range(10_000))
    start = datetime(2026, 6, 1, tzinfo=UTC)
    sim_store._clock = lambda: start + timedelta(seconds=next(ticks))
    since = start - timedelta(seconds=1)
    changed = sorted(sim_store.orders)[:45]
    for order_id in changed:
        sim_store.update_order(order_id, transaction_id=f"t{order_id}")
    with running_simulator(sim_store, latency_ms=5) as sim:
        async with http_client_for(sim) as http:
            client = woo_client(http, page_size=10)
            versions: list[tuple[int, datetime | None]] = []
            batches = 0
            async for page in client.orders_changed_since(
                access_for(sim), since, overlap=timedelta(seconds=2)
            ):
                batches += 1
                versions.extend((o.id, o.date_modified_gmt) for o in page.items)
                if batches == 2:
                    # Touch orders already read and orders not yet read.
                    for order_id in (changed[0], changed[5], changed[30], changed[44]):
                        sim_store.update_order(order_id, transaction_id="again")
    assert len(versions) == len(set(versions)), "a version was yielded twice"
    latest = {o.id: o.date_modified for o in sim_store.orders.values() if o.id in changed}
    newest_seen: dict[int, datetime | None] = {}
    for order_id, modified in versions:
        newest_seen[order_id] = max(filter(None, (newest_seen.get(order_id), modified)))
    hidden = {o.id for o in sim_store.orders.values() if o.status in {"trash", "checkout-draft"}}
    assert newest_seen == {k: v for k, v in latest.items() if k not in hidden}


async def test_a_run_over_a_store_where_little_changed_costs_one_request(
    simulator: RunningSimulator,
) -> None:
    store = simulator.store
    newest = max(o.date_modified for o in store.orders.values())
    async with http_client_for(simulator) as http:
        client = woo_client(http)
        pages = [
            p
            async for p in client.orders_changed_since(
                access_for(simulator), newest - timedelta(minutes=10)
            )
        ]
    assert [o.date_modified_gmt for p in pages for o in p.items][-1] == newest
    assert _pages_requested(store, "/orders") == [1]


async def test_changed_orders_are_asked_of_the_store_in_gmt_by_modification_time(
    simulator: RunningSimulator,
) -> None:
    since = datetime(2025, 12, 1, tzinfo=UTC)
    async with http_client_for(simulator) as http:
        client = woo_client(http)
        pages = [
            p
            async for p in client.orders_changed_since(
                access_for(simulator), since, overlap=timedelta(0)
            )
        ]
    query = parse_qs(simulator.store.request_log[0][2])
    assert query["orderby"] == ["modified"]
    assert query["order"] == ["asc"]
    assert query["dates_are_gmt"] == ["true"]
    assert query["modified_after"] == ["2025-12-01T00:00:00"]
    modified = [o.date_modified_gmt for p in pages for o in p.items]
    assert modified == sorted(modified)  # type: ignore[type-var]
    assert all(m is not None and m > since for m in modified)


async def test_refunds_fall_back_to_orders_on_stores_without_the_refunds_route(
    simulator: RunningSimulator,
) -> None:
    simulator.store.faults.no_refunds_route = True
    async with http_client_for(simulator) as http:
        pages = [p async for p in woo_client(http).refunds(access_for(simulator))]
    found = {(r.id, r.order_id, r.amount) for p in pages for r in p.items}
    expected = {
        (r.id, r.order_id, r.amount)
        for r in simulator.store.refunds.values()
        if simulator.store.orders[r.order_id].status not in {"trash", "checkout-draft"}
    }
    assert found == expected
    assert found
    assert all(r[2] > 0 for r in found)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_refunds_come_from_the_refunds_route_with_positive_amounts(
    simulator: RunningSimulator, concurrency: int
) -> None:
    async with http_client_for(simulator) as http:
        pages = [
            p
            async for p in woo_client(http, page_size=5).refunds(
                access_for(simulator), concurrency=concurrency
            )
        ]
    assert {r.id for p in pages for r in p.items} == set(simulator.store.refunds)


async def test_orders_are_read_by_their_ids_a_page_of_ids_per_request(
    simulator: RunningSimulator,
) -> None:
    store = simulator.store
    listed = sorted(
        o.id for o in store.orders.values() if o.status not in {"trash", "checkout-draft"}
    )
    hidden = [o.id for o in store.orders.values() if o.status in {"trash", "checkout-draft"}]
    assert hidden
    wanted = [*listed[:12], *hidden, 999_999]
    store.request_log.clear()
    async with http_client_for(simulator) as http:
        found = await woo_client(http, page_size=5).orders_with_ids(access_for(simulator), wanted)
    assert [o.id for o in found] == listed[:12]
    asked = [parse_qs(query) for _, path, query in store.request_log if path.endswith("/orders")]
    assert len(asked) == -(-len(wanted) // 5)  # five ids a request
    assert all(len(q["include"][0].split(",")) <= 5 for q in asked)
