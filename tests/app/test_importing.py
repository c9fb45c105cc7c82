"""The historical import: eligibility, guests, status mapping, transactions, checkpoints."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from tests.app.conftest import World, customer, order, refund
from wooconnect.app.auth import ADMIN
from wooconnect.app.errors import UpstreamUnavailable
from wooconnect.app.ports.persistence import Filters, PageRequest
from wooconnect.app.recovery import Recovery
from wooconnect.app.tasks import IMPORT_RUN
from wooconnect.domain.connection import ConnectionStatus
from wooconnect.domain.crm import ContactKeys, CrmOrderStatus, TransactionKind
from wooconnect.domain.jobs import ImportEntity, ImportJob, JobStatus
from wooconnect.domain.store import StoreRefundLine


def seed(world: World) -> None:
    world.store.customers_ = [
        customer(1),
        customer(2, "subscriber"),
        customer(3, "administrator"),
        customer(4, "shop_manager"),
        customer(5),
    ]
    world.store.orders_ = [
        order(10, customer_id=1, status="completed"),
        order(
            11,
            email="g1@example.com",
            status="refunded",
            refunds=(StoreRefundLine(90, Decimal("-5.00"), ""),),
        ),
        order(12, email="G1@example.com ", first="Other", status="failed", paid=False),
        order(13, email="g2@example.com", status="shipped"),
        order(14, email="g3@example.com", status="checkout-draft", paid=False),
        order(15, customer_id=2, status="on-hold", paid=False),
    ]
    world.store.refunds_ = [refund(90, 11)]


async def test_an_import_brings_in_what_the_rules_allow(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()
    async with world.uow() as uow:
        contacts = (await uow.contacts.list(location, PageRequest(limit=100))).items
        orders = {
            o.woocommerce_order_id: o
            for o in (await uow.orders.list(location, PageRequest(limit=100))).items
        }
        txns = (await uow.transactions.list(location, PageRequest(limit=100))).items
        jobs = await uow.import_jobs.list_for_connection(connection.id)
        triggers = (await uow.triggers.list(location, PageRequest(limit=10))).items
    registered = sorted(c.woocommerce_customer_id for c in contacts if not c.is_guest)
    guests = sorted(c.email or "" for c in contacts if c.is_guest)
    assert registered == [1, 2, 5]
    assert guests == ["g1@example.com", "g2@example.com"]
    assert sorted(orders) == [10, 11, 12, 13, 15]
    assert orders[11].status is CrmOrderStatus.COMPLETED
    assert orders[12].status is CrmOrderStatus.CANCELLED
    assert orders[13].status is CrmOrderStatus.PENDING
    assert orders[13].store_status == "shipped"
    assert all(o.source_subtype == "woocommerce" for o in orders.values())
    assert orders[11].contact_id == orders[12].contact_id
    kinds = sorted((t.kind.value, t.woocommerce_ref) for t in txns)
    assert kinds == [
        ("charge", "order:10"),
        ("charge", "order:11"),
        ("charge", "order:13"),
        ("refund", "refund:90"),
    ]
    assert all(j.status is JobStatus.COMPLETED for j in jobs)
    assert triggers == []


async def test_a_guest_contact_is_never_updated_by_later_orders(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    await world.connected(location)
    await world.run_queued()
    async with world.uow() as uow:
        [guest] = await uow.contacts.find(
            location, ContactKeys(emails=frozenset({"g1@example.com"}))
        )
    assert guest.first_name == "Gus"  # order 12 came later with "Other"


async def test_skipped_customers_are_logged_with_their_reason(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()
    page = await world.services.queries.decisions(
        ADMIN, connection.id, PageRequest(limit=50, filters=Filters({"outcome": "skipped"}))
    )
    skipped = sorted(d.record_id for d in page.items)
    assert skipped == ["3", "4"]
    assert page.items[0].trace["rule_set"] == "customer_eligibility"


async def test_a_transient_failure_resumes_from_the_checkpoint(world: World) -> None:
    world.store.orders_ = [order(n, email=f"g{n}@example.com") for n in range(1, 10)]
    world.store.unavailable_on_page = 2
    _a, location = await world.agency_with_location()
    await world.connected(location)
    job_ids = [job_id for _, job_id in world.queue.sent]
    world.queue.sent.clear()
    for job_id in job_ids:
        try:
            await world.services.importer.run(job_id)
        except UpstreamUnavailable:
            await world.services.importer.run(job_id)  # the worker's retry
    orders_pages = [p for kind, p in world.store.pages_fetched if kind == "orders"]
    assert orders_pages == [1, 2, 3]  # page 1 was not fetched again
    async with world.uow() as uow:
        assert await uow.orders.count(location) == 9


async def test_revoked_keys_stop_the_import_and_ask_for_a_reconnect(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    world.store.rejected = True
    await world.run_queued()
    current = (await world.services.queries.connection(ADMIN, connection.id)).connection
    assert current.status is ConnectionStatus.NEEDS_RECONNECT
    assert current.last_error
    async with world.uow() as uow:
        jobs = await uow.import_jobs.list_for_connection(connection.id)
    assert {j.status for j in jobs} == {JobStatus.FAILED}


async def test_reconnecting_imports_again_without_duplicates(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    first = await world.connected(location)
    await world.run_queued()
    await world.services.connecting.disconnect(ADMIN, first.id)
    world.store.orders_.append(order(16, email="late@example.com"))
    await world.connected(location)
    await world.run_queued()
    async with world.uow() as uow:
        assert await uow.orders.count(location) == 6
        assert await uow.transactions.count(location) == 5
        assert await uow.contacts.count(location) == 6
    assert TransactionKind.CHARGE.value == "charge"


async def test_two_runs_of_one_job_apply_and_count_each_page_once(world: World) -> None:
    world.store.orders_ = [order(n, email=f"g{n}@example.com") for n in range(1, 10)]
    world.store.page_size = 3
    paged = world.store.orders

    async def slow_orders(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async for page in paged(*args, **kwargs):
            await asyncio.sleep(0)  # another run of the job gets its turn between pages
            yield page

    world.store.orders = slow_orders  # type: ignore[method-assign]
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    async with world.uow() as uow:
        jobs = await uow.import_jobs.list_for_connection(connection.id)
    job_id = next(j.id for j in jobs if j.entity is ImportEntity.ORDERS)

    # A duplicate message: a redelivered one and the start hook's resend, say.
    await asyncio.gather(world.services.importer.run(job_id), world.services.importer.run(job_id))

    async with world.uow() as uow:
        job = await uow.import_jobs.get(job_id)
        assert await uow.orders.count(location) == 9
    assert job is not None
    assert job.status is JobStatus.COMPLETED
    assert (job.cursor, job.total, job.done) == (3, 9, 9)


async def test_a_customer_whose_email_another_customer_holds_is_imported_without_it(
    world: World,
) -> None:
    world.store.customers_ = [customer(1, email="shared@example.com")]
    world.store.customers_.append(customer(2, email="SHARED@example.com"))
    _a, location = await world.agency_with_location()
    await world.connected(location)
    await world.run_queued()
    async with world.uow() as uow:
        contacts = (await uow.contacts.list(location, PageRequest(limit=10))).items
    emails = {c.woocommerce_customer_id: c.email for c in contacts}
    assert emails == {1: "shared@example.com", 2: None}


async def _jobs(world: World, connection_id: str) -> dict[ImportEntity, ImportJob]:
    async with world.uow() as uow:
        jobs = await uow.import_jobs.list_for_connection(connection_id)
    return {job.entity: job for job in jobs}


async def test_the_activation_sends_every_job_at_once(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)
    assert world.queue.sent == [
        (IMPORT_RUN, jobs[ImportEntity.CONTACTS].id),
        (IMPORT_RUN, jobs[ImportEntity.ORDERS].id),
        (IMPORT_RUN, jobs[ImportEntity.TRANSACTIONS].id),
    ]


async def test_refunds_imported_before_their_orders_bring_those_orders_and_drop_nothing(
    world: World,
) -> None:
    seed(world)
    world.store.refunds_.append(refund(91, 13))
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)

    # The transactions job runs first: no order is in the CRM yet.
    await world.services.importer.run(jobs[ImportEntity.TRANSACTIONS].id)
    refunds_job = (await _jobs(world, connection.id))[ImportEntity.TRANSACTIONS]
    assert (refunds_job.status, refunds_job.done, refunds_job.skipped) == (
        JobStatus.COMPLETED,
        2,
        0,
    )
    assert world.store.orders_asked_for == [[11, 13]]  # one request for the page's orders
    async with world.uow() as uow:
        brought = {o.woocommerce_order_id for o in (await uow.orders.find(location, {11, 13}))}
        refunds = await uow.transactions.find(location, {"refund:90", "refund:91"})
    assert brought == {11, 13}
    assert len(refunds) == 2

    await world.run_queued()
    after = await _jobs(world, connection.id)
    assert {job.status for job in after.values()} == {JobStatus.COMPLETED}
    # The orders job counts every order as it would have alone; nothing is doubled.
    assert (after[ImportEntity.ORDERS].done, after[ImportEntity.ORDERS].skipped) == (5, 0)
    async with world.uow() as uow:
        assert await uow.orders.count(location) == 5
        assert await uow.transactions.count(location) == 5
    page = await world.services.queries.decisions(ADMIN, connection.id, PageRequest(limit=100))
    mapped = [d.record_id for d in page.items if d.record_type == "order"]
    assert sorted(mapped) == sorted(set(mapped)), "an order's status mapping was logged twice"


async def test_a_refund_whose_order_is_in_the_crm_asks_the_store_for_nothing_more(
    world: World,
) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)
    await world.services.importer.run(jobs[ImportEntity.ORDERS].id)
    await world.services.importer.run(jobs[ImportEntity.TRANSACTIONS].id)
    assert world.store.orders_asked_for == []
    refunds_job = (await _jobs(world, connection.id))[ImportEntity.TRANSACTIONS]
    assert (refunds_job.done, refunds_job.skipped) == (1, 0)


async def test_a_refund_of_an_order_the_import_never_lists_is_skipped(world: World) -> None:
    seed(world)
    world.store.refunds_.append(refund(92, 14))  # order 14 is a checkout draft
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()
    refunds_job = (await _jobs(world, connection.id))[ImportEntity.TRANSACTIONS]
    assert (refunds_job.status, refunds_job.done, refunds_job.skipped) == (
        JobStatus.COMPLETED,
        1,
        1,
    )


async def test_the_streams_of_one_import_page_side_by_side(world: World) -> None:
    world.store.customers_ = [customer(n) for n in range(1, 10)]
    world.store.orders_ = [order(n, email=f"g{n}@example.com") for n in range(10, 19)]
    world.store.refunds_ = [refund(n, n - 90) for n in range(100, 109)]
    world.store.turn_between_pages = True
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    await asyncio.gather(*(world.services.importer.run(job_id) for _, job_id in world.queue.sent))

    kinds = [kind for kind, _ in world.store.pages_fetched]
    first_pages = {kind: kinds.index(kind) for kind in ("customers", "orders", "refunds")}
    last_pages = {kind: len(kinds) - 1 - kinds[::-1].index(kind) for kind in first_pages}
    # Every stream fetched its first page before any other finished.
    assert max(first_pages.values()) < min(last_pages.values()), kinds
    jobs = await _jobs(world, connection.id)
    assert {job.entity: (job.status, job.done) for job in jobs.values()} == {
        ImportEntity.CONTACTS: (JobStatus.COMPLETED, 9),
        ImportEntity.ORDERS: (JobStatus.COMPLETED, 9),
        ImportEntity.TRANSACTIONS: (JobStatus.COMPLETED, 9),
    }
    async with world.uow() as uow:
        assert await uow.orders.count(location) == 9
        assert await uow.transactions.count(location) == 18


async def test_a_stream_that_fails_resumes_on_its_own_while_the_others_finish(
    world: World,
) -> None:
    world.store.customers_ = [customer(n) for n in range(1, 10)]
    world.store.orders_ = [order(n, email=f"g{n}@example.com") for n in range(10, 19)]
    world.store.refunds_ = [refund(n, n - 90) for n in range(100, 109)]
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)
    world.queue.sent.clear()
    failing = jobs[ImportEntity.ORDERS].id
    paged = world.store.orders

    async def orders_failing_once_on_page_2(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async for page in paged(*args, **kwargs):
            if page.page == 2 and not failed:
                failed.append(page.page)
                raise UpstreamUnavailable("503 from the store", retry_after=0.0)
            yield page

    failed: list[int] = []

    world.store.orders = orders_failing_once_on_page_2  # type: ignore[method-assign]
    outcomes = await asyncio.gather(
        *(world.services.importer.run(job.id) for job in jobs.values()), return_exceptions=True
    )
    assert [type(o) for o in outcomes if o is not None] == [UpstreamUnavailable]
    stalled = await _jobs(world, connection.id)
    assert stalled[ImportEntity.ORDERS].status is JobStatus.RUNNING
    assert stalled[ImportEntity.ORDERS].cursor == 1
    assert stalled[ImportEntity.CONTACTS].status is JobStatus.COMPLETED
    assert stalled[ImportEntity.TRANSACTIONS].status is JobStatus.COMPLETED

    world.store.pages_fetched.clear()
    await world.services.importer.run(failing)  # the worker's retry
    assert world.store.pages_fetched == [("orders", 2), ("orders", 3)]
    done = await _jobs(world, connection.id)
    assert {job.status for job in done.values()} == {JobStatus.COMPLETED}
    assert done[ImportEntity.ORDERS].done == 9
    async with world.uow() as uow:
        assert await uow.orders.count(location) == 9


async def test_a_job_whose_task_gave_up_fails_with_the_reason_and_the_others_go_on(
    world: World,
) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)

    await world.services.importer.give_up(
        jobs[ImportEntity.ORDERS].id, "gave up after 21 attempts: the store timed out"
    )
    await world.run_queued()

    after = await _jobs(world, connection.id)
    assert after[ImportEntity.ORDERS].status is JobStatus.FAILED
    assert after[ImportEntity.ORDERS].last_error == (
        "gave up after 21 attempts: the store timed out"
    )
    assert after[ImportEntity.CONTACTS].status is JobStatus.COMPLETED
    assert after[ImportEntity.TRANSACTIONS].status is JobStatus.COMPLETED
    assert after[ImportEntity.TRANSACTIONS].done == 1


async def test_a_start_sends_every_unfinished_job_again(world: World) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)
    world.queue.sent.clear()
    await world.services.importer.run(jobs[ImportEntity.CONTACTS].id)
    world.queue.sent.clear()

    assert await world.services.importer.resume_unfinished() == 2
    assert sorted(world.queue.sent) == sorted(
        [
            (IMPORT_RUN, jobs[ImportEntity.ORDERS].id),
            (IMPORT_RUN, jobs[ImportEntity.TRANSACTIONS].id),
        ]
    )


class Losses:
    def __init__(self, *answers: bool) -> None:
        self._answers = list(answers)

    async def lost_messages(self) -> bool:
        return self._answers.pop(0)


async def test_unfinished_imports_are_sent_again_on_start_and_when_the_queue_lost_them(
    world: World,
) -> None:
    seed(world)
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    jobs = await _jobs(world, connection.id)
    world.queue.sent.clear()
    recovery = Recovery(
        world.services.receiving, world.services.importer, Losses(False, False, True)
    )

    await recovery.sweep()
    assert world.queue.sent == []  # nothing lost, nothing starting: nothing to resend
    await recovery.sweep(starting=True)
    await recovery.sweep()
    assert sorted(world.queue.sent) == sorted([(IMPORT_RUN, job.id) for job in jobs.values()] * 2)
