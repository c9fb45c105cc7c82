"""Live sync over fakes: webhook deliveries applied once, triggers fired exactly once."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.app.conftest import World, make_world
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.adapters.woocommerce.signatures import sign_webhook_body
from wooconnect.app.auth import ADMIN
from wooconnect.app.errors import BadPayload, NotFound, Unauthenticated, UpstreamUnavailable
from wooconnect.app.ports.persistence import Filters, PageRequest
from wooconnect.app.ports.store import StoreAccess
from wooconnect.app.receiving import Incoming
from wooconnect.domain.connection import Connection, ImportSelection
from wooconnect.domain.crm import ContactKeys, CrmOrderStatus
from wooconnect.domain.inbox import DeliveryStatus
from wooconnect.domain.store import StoreCustomer, StoreOrder, StorePage

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def order_body(
    oid: int,
    *,
    status: str = "pending",
    paid: datetime | None = None,
    modified: datetime = T0,
    customer_id: int = 0,
    email: str = "guest@example.com",
    first: str = "Gus",
    created: datetime = T0,
) -> bytes:
    fmt = "%Y-%m-%dT%H:%M:%S"
    payload = {
        "id": oid,
        "number": str(oid),
        "status": status,
        "currency": "USD",
        "total": "30.00",
        "customer_id": customer_id,
        "billing": {"first_name": first, "last_name": "Guest", "email": email, "phone": ""},
        "payment_method": "bacs",
        "payment_method_title": "Bank transfer",
        "date_created_gmt": created.strftime(fmt),
        "date_modified_gmt": modified.strftime(fmt),
        "date_paid_gmt": paid.strftime(fmt) if paid else None,
        "refunds": [],
    }
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


async def deliver(
    world: World, connection: Connection, topic: str, body: bytes, signature: str | None = None
) -> None:
    secret = connection.webhook_secret or ""
    incoming = Incoming(
        connection.id,
        body,
        topic,
        signature if signature is not None else sign_webhook_body(body, secret),
    )
    await world.services.receiving.receive(incoming)


async def drain(world: World) -> None:
    """Play the worker: process every queued delivery id."""
    while world.queue.sent:
        task, entity_id = world.queue.sent.pop(0)
        if task == "webhooks.process":
            await world.services.live_sync.process(entity_id)
        else:
            await world.services.importer.run(entity_id)


async def live(world: World) -> tuple[str, Connection]:
    _agency, location = await world.agency_with_location()
    connection = await world.connected(location)
    await drain(world)
    return location, connection


async def triggers(world: World, location: str) -> list[str]:
    async with world.uow() as uow:
        page = await uow.triggers.list(location, PageRequest(limit=100))
    return sorted(t.type.value for t in page.items)


async def test_a_new_guest_order_fires_order_submitted_then_payment_received_once(
    world: World,
) -> None:
    location, connection = await live(world)
    await deliver(world, connection, "order.created", order_body(500))
    await drain(world)
    assert await triggers(world, location) == ["order_submitted"]
    paid_at = T0 + timedelta(minutes=5)
    await deliver(
        world,
        connection,
        "order.updated",
        order_body(500, status="processing", paid=paid_at, modified=paid_at),
    )
    await drain(world)
    assert await triggers(world, location) == ["order_submitted", "payment_received"]


async def test_duplicated_shuffled_and_stale_deliveries_converge_without_double_triggers(
    world: World,
) -> None:
    location, connection = await live(world)
    t1, t2, t3 = (T0 + timedelta(minutes=n) for n in (1, 2, 3))
    versions = [
        ("order.created", order_body(600, modified=t1)),
        ("order.updated", order_body(600, status="processing", paid=t2, modified=t2)),
        ("order.updated", order_body(600, status="completed", paid=t2, modified=t3)),
    ]
    sends = versions * 3
    random.Random(4).shuffle(sends)
    for topic, body in sends:
        await deliver(world, connection, topic, body)
        await drain(world)
    await deliver(world, connection, "order.updated", order_body(600, modified=T0))  # stale
    await drain(world)
    async with world.uow() as uow:
        stored = await uow.orders.get_by_woocommerce_id(location, 600)
    assert stored is not None
    assert stored.store_status == "completed"
    assert stored.status is CrmOrderStatus.COMPLETED
    assert await triggers(world, location) == ["order_submitted", "payment_received"]


async def test_imported_orders_never_fire_order_submitted(world: World) -> None:
    from tests.app.conftest import order

    world.store.orders_ = [order(700, status="pending", paid=False)]
    location, connection = await live(world)
    assert await triggers(world, location) == []
    paid_at = T0 + timedelta(hours=1)
    await deliver(
        world,
        connection,
        "order.updated",
        order_body(700, status="processing", paid=paid_at, modified=paid_at),
    )
    await drain(world)
    assert await triggers(world, location) == ["payment_received"]


async def test_order_sync_off_means_the_next_order_is_not_applied(world: World) -> None:
    location, connection = await live(world)
    await world.services.connecting.set_sync_settings(ADMIN, connection.id, {"orders": False})
    await deliver(world, connection, "order.created", order_body(800))
    await drain(world)
    async with world.uow() as uow:
        assert await uow.orders.count(location) == 0
    assert await triggers(world, location) == []


async def test_contact_sync_off_still_creates_the_orders_contact(world: World) -> None:
    location, connection = await live(world)
    await world.services.connecting.set_sync_settings(ADMIN, connection.id, {"contacts": False})
    await deliver(
        world, connection, "order.created", order_body(900, customer_id=42, email="reg@example.com")
    )
    await drain(world)
    async with world.uow() as uow:
        [contact] = await uow.contacts.find(
            location, ContactKeys(woocommerce_customer_ids=frozenset({42}))
        )
    assert contact.email == "reg@example.com"


async def test_a_later_guest_order_does_not_change_the_guest_contact(world: World) -> None:
    location, connection = await live(world)
    await deliver(world, connection, "order.created", order_body(1000, first="Alice"))
    await deliver(
        world,
        connection,
        "order.created",
        order_body(1001, first="Mallory", modified=T0 + timedelta(minutes=1)),
    )
    await drain(world)
    async with world.uow() as uow:
        contacts = (await uow.contacts.list(location, PageRequest(limit=10))).items
    assert [c.first_name for c in contacts] == ["Alice"]


async def test_a_trashed_order_is_marked_not_lost_and_comes_back_on_restore(
    world: World,
) -> None:
    location, connection = await live(world)
    await deliver(world, connection, "order.created", order_body(1100))
    await deliver(world, connection, "order.deleted", b'{"id":1100}')
    await drain(world)
    async with world.uow() as uow:
        trashed = await uow.orders.get_by_woocommerce_id(location, 1100)
    assert trashed is not None
    assert trashed.deleted
    await deliver(
        world, connection, "order.restored", order_body(1100, modified=T0 + timedelta(minutes=9))
    )
    await drain(world)
    async with world.uow() as uow:
        restored = await uow.orders.get_by_woocommerce_id(location, 1100)
    assert restored is not None
    assert not restored.deleted


async def test_the_receiver_refuses_bad_deliveries_and_keeps_unreadable_ones(
    world: World,
) -> None:
    location, connection = await live(world)
    body = order_body(1200)
    with pytest.raises(Unauthenticated):
        await deliver(world, connection, "order.created", body, signature="bm9wZQ==")
    with pytest.raises(Unauthenticated):
        await world.services.receiving.receive(Incoming(connection.id, body, "order.created", None))
    junk = b"not json at all"
    with pytest.raises(BadPayload):
        await deliver(world, connection, "order.created", junk)
    async with world.uow() as uow:
        kept = (await uow.inbox.list(connection.id, PageRequest(limit=10))).items
        assert await uow.orders.count(location) == 0
    assert [d.status for d in kept] == [DeliveryStatus.INVALID]
    assert kept[0].body == junk


async def test_pings_are_acknowledged_and_unknown_connections_answer_not_found(
    world: World,
) -> None:
    _location, connection = await live(world)
    ping = await world.services.receiving.receive(
        Incoming(connection.id, b"webhook_id=12", None, None)
    )
    assert ping.kind == "ping"
    with pytest.raises(NotFound):
        await world.services.receiving.receive(Incoming("nope", b"webhook_id=1", None, None))
    await world.services.connecting.disconnect(ADMIN, connection.id)
    with pytest.raises(NotFound):
        await deliver(world, connection, "order.created", order_body(1))


async def test_reconciliation_applies_what_webhooks_missed(world: World) -> None:
    from tests.app.conftest import order

    location, connection = await live(world)
    world.uow.clock.advance(hours=1)
    world.store.orders_ = [
        order(1300, status="pending", modified=world.uow.clock.now(), paid=False),
        order(1301, status="completed", modified=world.uow.clock.now()),
    ]
    repaired = await world.services.live_sync.reconcile(connection.id)
    assert repaired == 2
    assert await triggers(world, location) == [
        "order_submitted",
        "order_submitted",
        "payment_received",
    ]
    assert await world.services.live_sync.reconcile(connection.id) == 0


async def test_reconciliation_never_runs_while_the_connection_s_import_runs(
    world: World,
) -> None:
    from tests.app.conftest import customer, order

    _agency, location = await world.agency_with_location()
    connection = await world.connected(location)  # the import is queued, not run yet
    world.uow.clock.advance(hours=1)
    world.store.orders_ = [order(1400, modified=world.uow.clock.now())]
    world.store.customers_ = [customer(7)]
    world.store.pages_fetched.clear()

    assert await world.services.live_sync.reconcile(connection.id) == 0
    # Not one request: the store's requests are the import's.
    assert world.store.pages_fetched == []

    await world.run_queued()
    world.store.pages_fetched.clear()
    await world.services.live_sync.reconcile(connection.id)
    assert ("orders", 1) in world.store.pages_fetched


async def store_order_ids(world: World, location: str) -> list[int]:
    async with world.uow() as uow:
        page = await uow.orders.list(location, PageRequest(limit=100))
    return sorted(o.woocommerce_order_id for o in page.items)


def reading_orders(world: World, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of every modified order the store sends from now on, in order."""
    read: list[int] = []
    pages = world.store.orders_changed_since

    def recording(
        access: StoreAccess, since: datetime, **options: Any
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        async def recorded() -> AsyncIterator[StorePage[StoreOrder]]:
            async for page in pages(access, since, **options):
                read.extend(o.id for o in page.items)
                yield page

        return recorded()

    monkeypatch.setattr(world.store, "orders_changed_since", recording)
    return read


async def test_a_reconciliation_interrupted_on_an_orders_page_resumes_at_that_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.app.conftest import order

    location, connection = await live(world)
    later = world.uow.clock.now()
    # Four pages of three, modified an hour apart, so the overlap reaches no earlier page.
    world.store.orders_ = [
        order(2000 + n, status="pending", paid=False, modified=later + timedelta(hours=n))
        for n in range(1, 13)
    ]
    world.store.unavailable_on_page = 3
    world.store.pages_fetched.clear()

    with pytest.raises(UpstreamUnavailable):
        await world.services.live_sync.reconcile(connection.id)

    assert world.store.pages_fetched == [("orders", 1), ("orders", 2)]
    assert await store_order_ids(world, location) == list(range(2001, 2007))

    read = reading_orders(world, monkeypatch)

    assert await world.services.live_sync.reconcile(connection.id) == 6

    # What was left, from the failed page on, and the last order done (the overlap).
    assert read == list(range(2006, 2013))
    assert await store_order_ids(world, location) == list(range(2001, 2013))


def registered(cid: int, at: datetime) -> StoreCustomer:
    from tests.app.conftest import customer

    return replace(customer(cid), date_created_gmt=at, date_modified_gmt=at)


def customer_pages(world: World) -> list[tuple[str, int]]:
    return [p for p in world.store.pages_fetched if "customers" in p[0]]


async def contact_ids(world: World, location: str) -> list[int]:
    async with world.uow() as uow:
        contacts = await uow.contacts.list(location, PageRequest(limit=100))
    return sorted(c.woocommerce_customer_id or 0 for c in contacts.items)


async def test_after_the_import_a_reconciliation_reads_only_the_customers_registered_since(
    world: World,
) -> None:
    location, connection = await live(world)  # the contacts import read every customer
    before = T0 - timedelta(days=30)
    world.store.customers_ = [registered(cid, before) for cid in range(1, 8)]
    world.uow.clock.advance(hours=1)
    world.store.customers_ += [
        registered(8, world.uow.clock.now()),
        registered(9, world.uow.clock.now()),
    ]
    world.store.pages_fetched.clear()

    await world.services.live_sync.reconcile(connection.id)

    # Newest first, and one page reached back to the import: no customer list read again.
    assert customer_pages(world) == [("new_customers", 1)]
    assert await contact_ids(world, location) == [8, 9]


async def test_when_nobody_registered_the_customers_cost_one_request_per_reconciliation(
    world: World,
) -> None:
    _location, connection = await live(world)
    world.store.customers_ = [registered(cid, T0 - timedelta(days=1)) for cid in range(1, 31)]
    for _ in range(3):
        world.uow.clock.advance(minutes=15)
        world.store.pages_fetched.clear()
        await world.services.live_sync.reconcile(connection.id)
        assert customer_pages(world) == [("new_customers", 1)]


async def test_every_customer_is_read_again_once_a_day(world: World) -> None:
    location, connection = await live(world)
    world.store.customers_ = [registered(cid, T0 - timedelta(days=30)) for cid in range(1, 8)]
    world.uow.clock.advance(hours=23)
    world.store.pages_fetched.clear()
    await world.services.live_sync.reconcile(connection.id)
    assert customer_pages(world) == [("new_customers", 1)]
    assert await contact_ids(world, location) == []

    world.uow.clock.advance(hours=1)  # a day after the import
    world.store.pages_fetched.clear()
    await world.services.live_sync.reconcile(connection.id)
    assert customer_pages(world) == [("customers", page) for page in (1, 2, 3)]
    assert await contact_ids(world, location) == list(range(1, 8))

    world.uow.clock.advance(minutes=15)
    world.store.pages_fetched.clear()
    await world.services.live_sync.reconcile(connection.id)
    assert customer_pages(world) == [("new_customers", 1)]


async def test_an_interrupted_sweep_of_the_customers_resumes_at_the_page_it_stopped(
    world: World,
) -> None:
    location, connection = await live(world)
    world.store.customers_ = [registered(cid, T0) for cid in range(1, 13)]  # four pages of three
    world.uow.clock.advance(days=1)  # the sweep is due
    world.store.unavailable_on_page = 3
    world.store.pages_fetched.clear()

    with pytest.raises(UpstreamUnavailable):
        await world.services.live_sync.reconcile(connection.id)

    assert customer_pages(world) == [("customers", 1), ("customers", 2)]
    world.store.pages_fetched.clear()

    await world.services.live_sync.reconcile(connection.id)

    assert customer_pages(world) == [("customers", 3), ("customers", 4)]
    assert await contact_ids(world, location) == list(range(1, 13))
    world.store.pages_fetched.clear()

    await world.services.live_sync.reconcile(connection.id)

    # The sweep completed: the next reconciliation reads only who registered since.
    assert customer_pages(world) == [("new_customers", 1)]


async def test_a_connection_that_imported_no_contacts_sweeps_at_its_first_reconciliation(
    world: World,
) -> None:
    _agency, location = await world.agency_with_location()
    started = await world.services.connecting.start(ADMIN, location, "https://shop.example.com")
    cid = started.connection.id
    await world.services.connecting.submit_credentials(ADMIN, cid, "ck_good", "cs_good")
    await world.services.connecting.set_import_selection(
        ADMIN, cid, ImportSelection(contacts=False, orders=True, transactions=True)
    )
    await world.services.connecting.activate(ADMIN, cid)
    await drain(world)
    world.store.customers_ = [registered(n, T0 - timedelta(days=3)) for n in range(1, 5)]
    world.store.pages_fetched.clear()

    await world.services.live_sync.reconcile(cid)

    assert customer_pages(world) == [("customers", 1), ("customers", 2)]
    assert await contact_ids(world, location) == [1, 2, 3, 4]


async def test_a_payment_within_the_same_second_as_the_order_is_applied_and_fires_once(
    world: World,
) -> None:
    # The store's dates have whole seconds: both deliveries carry the same version.
    location, connection = await live(world)
    await deliver(world, connection, "order.created", order_body(700))
    await drain(world)
    paid = order_body(700, status="processing", paid=T0)
    world.store.orders_.append(WooCommerceWebhookCodec().order(paid))
    await deliver(world, connection, "order.updated", paid)
    await drain(world)
    async with world.uow() as uow:
        stored = await uow.orders.get_by_woocommerce_id(location, 700)
    assert stored is not None
    assert stored.store_status == "processing"
    assert await triggers(world, location) == ["order_submitted", "payment_received"]


async def test_a_stale_payload_of_the_same_second_yields_to_the_store_s_current_state(
    world: World,
) -> None:
    location, connection = await live(world)
    paid = order_body(701, status="processing", paid=T0)
    world.store.orders_.append(WooCommerceWebhookCodec().order(paid))
    await deliver(world, connection, "order.updated", paid)
    await drain(world)
    await deliver(world, connection, "order.created", order_body(701))  # pending, same second
    await drain(world)
    async with world.uow() as uow:
        stored = await uow.orders.get_by_woocommerce_id(location, 701)
    assert stored is not None
    assert stored.store_status == "processing"
    assert await triggers(world, location) == ["order_submitted", "payment_received"]


def customer_body(record: StoreCustomer) -> bytes:
    billing = record.billing
    payload = {
        "id": record.id,
        "email": record.email,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "role": record.role,
        "username": record.username,
        "billing": {"first_name": billing.first_name, "email": billing.email, "phone": ""},
        "date_modified_gmt": T0.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    return json.dumps(payload).encode()


async def contact_names(world: World, location: str) -> list[str]:
    async with world.uow() as uow:
        page = await uow.contacts.list(location, PageRequest(limit=100))
    return [c.first_name for c in page.items]


async def test_a_customer_edited_twice_in_one_second_is_repaired_by_reconciliation(
    world: World,
) -> None:
    from tests.app.conftest import customer

    location, connection = await live(world)
    first_edit = replace(customer(50), first_name="Ann")
    await deliver(world, connection, "customer.updated", customer_body(first_edit))
    await drain(world)
    # The second edit, within the same second, is in the store; its webhook was dropped.
    world.store.customers_ = [replace(customer(50), first_name="Anna")]
    assert await world.services.live_sync.reconcile(connection.id) == 1
    assert await contact_names(world, location) == ["Anna"]
    assert await world.services.live_sync.reconcile(connection.id) == 0


async def test_a_customer_change_within_the_same_second_is_applied_from_its_webhook(
    world: World,
) -> None:
    from tests.app.conftest import customer

    location, connection = await live(world)
    first_edit = replace(customer(51), first_name="Ben")
    second_edit = replace(customer(51), first_name="Benjamin")
    world.store.customers_ = [second_edit]
    for edit in (first_edit, second_edit):
        await deliver(world, connection, "customer.updated", customer_body(edit))
        await drain(world)
    assert await contact_names(world, location) == ["Benjamin"]


async def test_a_stale_customer_payload_of_the_same_second_yields_to_the_store_s_record(
    world: World,
) -> None:
    from tests.app.conftest import customer

    location, connection = await live(world)
    current = replace(customer(52), first_name="Carla")
    world.store.customers_ = [current]
    await deliver(world, connection, "customer.updated", customer_body(current))
    await drain(world)
    stale = replace(customer(52), first_name="Carl")  # delivered late, same second
    await deliver(world, connection, "customer.updated", customer_body(stale))
    await drain(world)
    assert await contact_names(world, location) == ["Carla"]


async def test_after_the_broker_lost_its_messages_the_sweeper_sends_every_pending_delivery(
    world: World,
) -> None:
    location, connection = await live(world)
    for oid in (801, 802, 803):
        await deliver(world, connection, "order.created", order_body(oid))
    world.queue.sent.clear()  # the broker restarted empty
    receiving = world.services.receiving
    world.uow.clock.advance(seconds=5)
    assert await receiving.sweep(older_than_s=0) == 0  # sent moments ago: not overdue
    assert await receiving.sweep(older_than_s=0, limit=2, resend_sent=True) == 3
    await drain(world)
    assert await triggers(world, location) == ["order_submitted"] * 3


async def test_an_order_placed_after_connecting_fires_even_if_the_import_stored_it_first(
    world: World,
) -> None:
    from tests.app.conftest import order

    _agency, location = await world.agency_with_location()
    world.uow.clock.advance(minutes=1)
    placed = world.uow.clock.now() + timedelta(minutes=1)
    # The import runs after the order was placed, before its webhook is processed.
    world.store.orders_ = [
        replace(
            order(1400, status="pending", paid=False),
            date_created_gmt=placed,
            date_modified_gmt=placed,
        )
    ]
    connection = await world.connected(location)
    await drain(world)
    assert await triggers(world, location) == []
    later = placed + timedelta(seconds=30)
    await deliver(
        world,
        connection,
        "order.updated",
        order_body(1400, status="on-hold", modified=later, created=placed),
    )
    await drain(world)
    assert await triggers(world, location) == ["order_submitted"]


async def test_the_receiver_rereads_a_secret_that_no_longer_matches(world: World) -> None:
    _location, connection = await live(world)
    await deliver(world, connection, "order.created", order_body(1))  # remembers the secret
    rotated = replace(connection, webhook_secret="a-new-secret")
    async with world.uow() as uow:
        await uow.connections.save(rotated)
        await uow.commit()
    await deliver(world, rotated, "order.created", order_body(2))
    with pytest.raises(Unauthenticated):
        await deliver(world, connection, "order.created", order_body(3))


async def test_deliveries_processed_together_fire_and_store_as_one_by_one(world: World) -> None:
    location, connection = await live(world)
    t1, t2 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
    sends = [
        ("order.created", order_body(700, modified=t1, email="a@example.com")),
        ("order.created", order_body(701, modified=t1, email="b@example.com")),
        ("order.updated", order_body(700, status="processing", paid=t2, modified=t2)),
        ("order.created", order_body(700, modified=t1, email="a@example.com")),  # stale
    ]
    for topic, body in sends:
        await deliver(world, connection, topic, body)
    ids = [entity_id for task, entity_id in world.queue.sent if task == "webhooks.process"]
    world.queue.sent.clear()
    await world.services.live_sync.process_many(ids)
    await world.services.live_sync.process_many(ids)  # a repeated batch changes nothing
    assert await triggers(world, location) == [
        "order_submitted",
        "order_submitted",
        "payment_received",
    ]
    async with world.uow() as uow:
        paid = await uow.orders.get_by_woocommerce_id(location, 700)
        statuses = [(await uow.inbox.get(i)) for i in ids]
    assert paid is not None
    assert paid.store_status == "processing"
    assert all(d is not None and d.status is not DeliveryStatus.PENDING for d in statuses)


class CountingCodec(WooCommerceWebhookCodec):
    def __init__(self) -> None:
        self.orders_decoded = 0

    def order(self, body: bytes) -> StoreOrder:
        self.orders_decoded += 1
        return super().order(body)


async def test_deliveries_processed_together_decode_each_order_once(rules: FileRuleSource) -> None:
    codec = CountingCodec()
    world = make_world(rules, codec=codec)
    _location, connection = await live(world)
    for n in range(5):
        await deliver(world, connection, "order.created", order_body(800 + n))
    ids = [entity_id for task, entity_id in world.queue.sent if task == "webhooks.process"]
    codec.orders_decoded = 0
    await world.services.live_sync.process_many(ids)
    assert codec.orders_decoded == 5


async def test_a_reconciliation_a_person_asks_for_reads_every_customer(world: World) -> None:
    location, connection = await live(world)
    world.store.customers_ = [registered(cid, T0 - timedelta(days=30)) for cid in range(1, 5)]
    world.store.pages_fetched.clear()

    await world.services.connecting.request_reconciliation(ADMIN, connection.id)
    await world.services.live_sync.reconcile(connection.id)

    assert customer_pages(world) == [("customers", 1), ("customers", 2)]
    assert await contact_ids(world, location) == [1, 2, 3, 4]


async def decisions_about(world: World, connection: Connection, kind: str, woo_id: int) -> Any:
    about = Filters({"record_type": kind, "record_id": str(woo_id)})
    page = await world.services.queries.decisions(
        ADMIN, connection.id, PageRequest(limit=100, filters=about)
    )
    return {(d.rule_set, d.outcome) for d in page.items}


async def test_every_live_sync_outcome_is_a_decision_found_by_the_store_s_id(
    world: World,
) -> None:
    _location, connection = await live(world)
    connecting = world.services.connecting
    await connecting.set_sync_settings(ADMIN, connection.id, {"order_submitted_trigger": False})
    await deliver(world, connection, "order.created", order_body(500))
    await drain(world)
    assert await decisions_about(world, connection, "order", 500) == {
        ("order_status", "mapped"),
        ("order_submitted_trigger", "suppressed"),
        ("payment_received_trigger", "not_eligible"),
    }

    await connecting.set_sync_settings(ADMIN, connection.id, {"order_submitted_trigger": True})
    placed = world.uow.clock.now() + timedelta(minutes=1)
    await deliver(
        world, connection, "order.created", order_body(501, created=placed, modified=placed)
    )
    await drain(world)
    paid = placed + timedelta(minutes=1)
    await deliver(
        world,
        connection,
        "order.updated",
        order_body(501, status="processing", paid=paid, modified=paid, created=placed),
    )
    await drain(world)
    assert await decisions_about(world, connection, "order", 501) == {
        ("order_status", "mapped"),
        ("order_submitted_trigger", "fired"),
        ("order_submitted_trigger", "already_fired"),
        ("payment_received_trigger", "not_eligible"),
        ("payment_received_trigger", "fired"),
    }

    staff = {"id": 77, "email": "admin@example.com", "role": "administrator"}
    await deliver(world, connection, "customer.created", json.dumps(staff).encode())
    await drain(world)
    assert await decisions_about(world, connection, "customer", 77) == {
        ("customer_eligibility", "skipped")
    }
    suppressed = await world.services.queries.decisions(
        ADMIN, connection.id, PageRequest(limit=100, filters=Filters({"outcome": "suppressed"}))
    )
    assert [(d.record_type, d.record_id) for d in suppressed.items] == [("order", "500")]


async def test_a_stale_delivery_that_changes_nothing_adds_no_decision(world: World) -> None:
    _location, connection = await live(world)
    newer = T0 + timedelta(minutes=1)
    await deliver(world, connection, "order.created", order_body(502, modified=newer))
    await drain(world)
    before = await world.services.queries.decisions(ADMIN, connection.id, PageRequest(limit=100))

    await deliver(world, connection, "order.updated", order_body(502, status="on-hold"))
    await drain(world)
    async with world.uow() as uow:
        [stale] = (await uow.inbox.list(connection.id, PageRequest(limit=1))).items
    assert stale.outcome == "not newer than the stored order"

    after = await world.services.queries.decisions(ADMIN, connection.id, PageRequest(limit=100))
    assert len(after.items) == len(before.items)
