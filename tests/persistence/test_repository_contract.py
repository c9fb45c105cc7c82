"""The repositories' contract, run alike on the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from tests.conftest import StorageUnderTest
from tests.support.records import connection_of
from wooconnect.app.errors import Conflict
from wooconnect.app.ports.persistence import Filters, PageRequest, Span, UnitOfWork
from wooconnect.domain.connection import Connection, ConnectionStatus, StoreCredentials
from wooconnect.domain.crm import (
    Contact,
    ContactBook,
    ContactDraft,
    ContactKeys,
    CrmOrderStatus,
    Order,
    OrderDraft,
    Transaction,
    TransactionDraft,
    TransactionKind,
)
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery
from wooconnect.domain.store_url import StoreUrl
from wooconnect.domain.tenancy import Agency, ApiKey, Location, StoreBinding
from wooconnect.domain.triggers import TriggerEvent, TriggerType

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def seed_location(storage: StorageUnderTest) -> str:
    async with storage() as uow:
        agency = Agency(new_id(), "Agency", T0)
        await uow.agencies.add(agency)
        location = Location(new_id(), agency.id, "Location", T0)
        await uow.locations.add(location)
        await uow.commit()
    return location.id


def guest(email: str | None, phone: str | None = None, first: str = "Guest") -> ContactDraft:
    return ContactDraft(None, email, phone, first, "Person", is_guest=True)


def customer(woo_id: int, email: str | None, modified: datetime | None = None) -> ContactDraft:
    return ContactDraft(woo_id, email, None, "Reg", "Istered", False, modified)


def order(
    woo_id: int,
    modified: datetime,
    status: CrmOrderStatus = CrmOrderStatus.PENDING,
    contact_id: str | None = None,
) -> OrderDraft:
    return OrderDraft(
        woocommerce_order_id=woo_id,
        number=str(woo_id),
        contact_id=contact_id,
        status=status,
        store_status=status.value,
        currency="USD",
        total=Decimal("12.50"),
        paid_at=None,
        placed_at=T0,
        source_modified_at=modified,
    )


async def add_contact(storage: StorageUnderTest, location: str, draft: ContactDraft) -> Contact:
    async with storage() as uow:
        contact = Contact.create(location, draft, T0)
        await uow.contacts.add(contact)
        await uow.commit()
    return contact


def contact_keys(
    woocommerce_customer_ids: Iterable[int] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
) -> ContactKeys:
    return ContactKeys(frozenset(woocommerce_customer_ids), frozenset(emails), frozenset(phones))


async def put_contact(uow: UnitOfWork, location: str, draft: ContactDraft) -> Contact:
    """What the use case does with a contact record: read the contacts its keys reach, let the
    domain resolve and merge, store the outcome."""
    book = ContactBook(await uow.contacts.find(location, ContactKeys.of([draft])))
    found = book.resolve(draft.woocommerce_customer_id, draft.email, draft.phone)
    if found is None:
        contact = Contact.create(location, draft, T0, email_free=book.email_free_for(draft.email))
        await uow.contacts.add(contact)
        return contact
    merged = found.merge(draft, T0, email_free=book.email_free_for(draft.email, found))
    if merged is not found:
        await uow.contacts.save(merged)
    return merged


async def test_contacts_are_found_by_any_of_their_keys(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    elsewhere = await seed_location(storage)
    by_phone = await add_contact(storage, location, guest(None, "+1 (555) 0100"))
    by_email = await add_contact(storage, location, guest("Bob@Example.com"))
    by_id = await add_contact(storage, location, customer(9, "carol@example.com", T0))
    await add_contact(storage, elsewhere, customer(9, "bob@example.com", T0))
    async with storage() as uow:
        find = uow.contacts.find
        assert await find(location, contact_keys(woocommerce_customer_ids=[9])) == [by_id]
        assert await find(location, contact_keys(emails=["bob@example.com"])) == [by_email]
        assert await find(location, contact_keys(phones=["+15550100"])) == [by_phone]
        everyone = await find(
            location,
            contact_keys(
                woocommerce_customer_ids=[9, 10],
                emails=["bob@example.com", "carol@example.com"],
                phones=["+15550100"],
            ),
        )
        assert sorted(everyone, key=lambda c: c.id) == sorted(
            [by_phone, by_email, by_id], key=lambda c: c.id
        ), "each once, though two keys reach one of them"
        assert await find(location, contact_keys(emails=["no@example.com"])) == []
        assert await find(location, contact_keys()) == []
        assert await uow.contacts.get(by_id.id) == by_id
        assert await uow.contacts.count(location) == 3


async def test_a_saved_contact_is_found_by_its_new_keys_only(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    stored = await add_contact(storage, location, guest("old@example.com", "555 0100"))
    moved = replace(stored, email="new@example.com", phone=None, first_name="Moved")
    async with storage() as uow:
        await uow.contacts.save(moved)
        await uow.commit()
    async with storage() as uow:
        assert await uow.contacts.find(location, contact_keys(emails=["old@example.com"])) == []
        assert await uow.contacts.find(location, contact_keys(phones=["5550100"])) == []
        assert await uow.contacts.find(location, contact_keys(emails=["new@example.com"])) == [
            moved
        ]


async def test_what_a_unit_of_work_stored_it_reads_back_before_its_commit(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        contact = Contact.create(location, guest("fresh@example.com"), T0)
        await uow.contacts.add(contact)
        placed = Order.create(location, order(16, T0, contact_id=contact.id), T0)
        await uow.orders.add(placed)
        charge = Transaction.create(location, charge_of(placed), T0)
        await uow.transactions.add(charge)
        assert await uow.contacts.find(location, contact_keys(emails=["fresh@example.com"])) == [
            contact
        ]
        assert await uow.orders.get_by_woocommerce_id(location, 16) == placed
        assert await uow.orders.get(placed.id) == placed
        assert await uow.transactions.find(location, ["order:16"]) == [charge]
        assert await uow.contacts.count(location) == 1
        paid = replace(placed, status=CrmOrderStatus.COMPLETED, updated_at=T0 + timedelta(1))
        await uow.orders.save(paid)
        assert await uow.orders.find(location, [16, 17]) == [paid]
        await uow.commit()
    async with storage() as uow:
        assert await uow.orders.get_by_woocommerce_id(location, 16) == paid
        assert (await uow.transactions.list(location, PageRequest(limit=10))).items == [charge]


async def test_a_second_contact_with_the_same_email_or_customer_is_refused(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    await add_contact(storage, location, customer(7, "a@example.com", T0))
    for twin in (customer(7, "b@example.com", T0), guest("A@example.com")):
        with pytest.raises(Conflict):
            await add_contact(storage, location, twin)
    async with storage() as uow:
        assert await uow.contacts.count(location) == 1


async def test_orders_round_trip_and_are_got_by_their_store_id(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    placed = Order.create(location, order(15, T0), T0)
    async with storage() as uow:
        await uow.orders.add(placed)
        await uow.orders.add(Order.create(location, order(16, T0), T0))
        await uow.commit()
    async with storage() as uow:
        stored = await uow.orders.get_by_woocommerce_id(location, 15)
        assert stored == placed
        assert stored.source_subtype == "woocommerce"
        assert stored.total == Decimal("12.50")
        assert sorted(o.woocommerce_order_id for o in await uow.orders.find(location, [15, 16, 99]))
        assert await uow.orders.get_by_woocommerce_id(location, 99) is None
        assert await uow.orders.find(location, []) == []
        trashed = placed.mark_deleted(True, T0 + timedelta(minutes=1))
        await uow.orders.save(trashed)
        await uow.commit()
    async with storage() as uow:
        assert await uow.orders.get(placed.id) == trashed
        assert await uow.orders.count(location) == 2


async def add_order(storage: StorageUnderTest, location: str, draft: OrderDraft) -> Order:
    async with storage() as uow:
        placed = Order.create(location, draft, T0)
        await uow.orders.add(placed)
        await uow.commit()
    return placed


async def test_a_second_order_with_the_same_store_id_is_refused(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    await add_order(storage, location, order(15, T0))
    with pytest.raises(Conflict):
        await add_order(storage, location, order(15, T0))


def charge_of(placed: Order) -> TransactionDraft:
    return TransactionDraft(
        f"order:{placed.woocommerce_order_id}",
        placed.id,
        placed.contact_id,
        TransactionKind.CHARGE,
        Decimal("12.50"),
        "USD",
        "stripe",
        T0,
    )


async def test_transactions_are_found_by_their_store_reference(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        placed = Order.create(location, order(20, T0), T0)
        await uow.orders.add(placed)
        refund = Transaction.create(
            location,
            TransactionDraft(
                "refund:33", placed.id, None, TransactionKind.REFUND, Decimal("5.00"), "USD", "", T0
            ),
            T0,
        )
        await uow.transactions.add(refund)
        await uow.commit()
    async with storage() as uow:
        assert await uow.transactions.find(location, ["refund:33", "refund:34"]) == [refund]
        corrected = refund.apply(
            TransactionDraft(
                "refund:33", placed.id, None, TransactionKind.REFUND, Decimal("6.00"), "USD", "", T0
            )
        )
        await uow.transactions.save(corrected)
        await uow.commit()
    async with storage() as uow:
        assert await uow.transactions.count(location) == 1
        page = await uow.transactions.list(location, PageRequest(limit=10))
        assert page.items[0].amount == Decimal("6.00")
        assert page.items[0].kind is TransactionKind.REFUND


async def test_lists_page_newest_first_with_a_cursor_until_the_end(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        for n in range(5):
            await uow.orders.add(Order.create(location, order(100 + n, T0), T0))
        await uow.commit()
    seen: list[int] = []
    cursor: str | None = None
    async with storage() as uow:
        while True:
            page = await uow.orders.list(location, PageRequest(cursor, 2))
            seen += [o.woocommerce_order_id for o in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == [104, 103, 102, 101, 100]


async def test_lists_keep_only_what_their_filters_ask_for(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    t1, t2 = T0 + timedelta(days=1), T0 + timedelta(days=2)
    async with storage() as uow:
        for n, (status, placed) in enumerate(
            [
                (CrmOrderStatus.PENDING, T0),
                (CrmOrderStatus.COMPLETED, t1),
                (CrmOrderStatus.COMPLETED, t2),
                (CrmOrderStatus.CANCELLED, None),
            ]
        ):
            draft = replace(order(200 + n, T0, status), placed_at=placed)
            await uow.orders.add(Order.create(location, draft, T0))
        await uow.commit()

    async def listed(filters: Filters) -> list[int]:
        async with storage() as uow:
            page = await uow.orders.list(location, PageRequest(limit=10, filters=filters))
        return [o.woocommerce_order_id for o in page.items]

    assert await listed(Filters({"status": "completed"})) == [202, 201]
    assert await listed(Filters(spans=(Span("placed_at", since=t1),))) == [202, 201]
    assert await listed(Filters(spans=(Span("placed_at", before=t1),))) == [200]
    assert await listed(Filters(spans=(Span("placed_at", t1, t2),))) == [201]
    assert await listed(Filters({"status": "cancelled"}, (Span("placed_at", since=T0),))) == []


async def test_contacts_are_listed_by_email_as_they_are_matched(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    bob = await add_contact(storage, location, guest("Bob@Example.com"))
    await add_contact(storage, location, guest("carol@example.com"))
    async with storage() as uow:
        page = await uow.contacts.list(
            location, PageRequest(limit=10, filters=Filters({"email": "  bob@EXAMPLE.com "}))
        )
    assert page.items == [bob]


async def test_agencies_and_locations_are_paged_newest_first(storage: StorageUnderTest) -> None:
    agencies = [Agency(new_id(), f"Agency {n}", T0 + timedelta(days=n)) for n in range(3)]
    async with storage() as uow:
        for agency in agencies:
            await uow.agencies.add(agency)
        for n in range(3):
            await uow.locations.add(Location(new_id(), agencies[0].id, f"L{n}", T0))
        await uow.commit()
    async with storage() as uow:
        first = await uow.agencies.list(PageRequest(limit=2))
        rest = await uow.agencies.list(PageRequest(first.next_cursor, 2))
        since_day_two = Filters(spans=(Span("created_at", since=T0 + timedelta(days=1)),))
        recent = await uow.agencies.list(PageRequest(limit=10, filters=since_day_two))
        locations = await uow.locations.list_for_agency(agencies[0].id, PageRequest(limit=10))
    assert [a.id for a in [*first.items, *rest.items]] == [a.id for a in reversed(agencies)]
    assert rest.next_cursor is None
    assert [a.id for a in recent.items] == [agencies[2].id, agencies[1].id]
    assert [x.name for x in locations.items] == ["L2", "L1", "L0"]


async def test_order_numbers_are_read_by_order_id_including_unflushed_ones(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    stored = await add_order(storage, location, replace(order(15, T0), number="81"))
    async with storage() as uow:
        fresh = Order.create(location, replace(order(16, T0), number="82"), T0)
        await uow.orders.add(fresh)
        numbers = await uow.orders.numbers([stored.id, fresh.id, new_id()])
        assert numbers == {stored.id: "81", fresh.id: "82"}
        assert await uow.orders.numbers([]) == {}


async def test_an_agencys_api_keys_list_newest_first_across_pages(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        found = await uow.locations.get(location)
        assert found is not None
        other = Agency(new_id(), "Other", T0)
        await uow.agencies.add(other)
        keys = [
            ApiKey(new_id(), found.agency_id, f"{n:064d}", f"wck_{n:06d}", T0) for n in range(3)
        ]
        for key in [*keys, ApiKey(new_id(), other.id, "f" * 64, "wck_other0", T0)]:
            await uow.api_keys.add(key)
        await uow.commit()
    listed: list[ApiKey] = []
    cursor: str | None = None
    async with storage() as uow:
        while True:
            page = await uow.api_keys.list_for_agency(found.agency_id, PageRequest(cursor, 2))
            listed += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
    assert listed == keys[::-1]


async def test_leaving_without_commit_rolls_back(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.orders.add(Order.create(location, order(1, T0), T0))
    async with storage() as uow:
        assert await uow.orders.count(location) == 0


async def test_writes_rolled_back_are_dropped(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.contacts.add(Contact.create(location, guest("gone@example.com"), T0))
        await uow.orders.add(Order.create(location, order(40, T0), T0))
        await uow.rollback()
        await uow.commit()
    async with storage() as uow:
        assert await uow.contacts.count(location) == 0
        assert await uow.orders.count(location) == 0


async def test_after_commit_actions_run_only_after_a_commit(storage: StorageUnderTest) -> None:
    ran: list[str] = []

    async def mark() -> None:
        ran.append("sent")

    async with storage() as uow:
        uow.after_commit(mark)
    assert ran == []
    async with storage() as uow:
        uow.after_commit(mark)
        await uow.commit()
    assert ran == ["sent"]


async def seed_connection(storage: StorageUnderTest, location_id: str) -> Connection:
    async with storage() as uow:
        loc = await uow.locations.get(location_id)
        assert loc is not None
        connection = connection_of(
            loc,
            T0,
            credentials=StoreCredentials("ck_plainkey", "cs_plainsecret"),
            webhook_secret="whsec_plainwebhook",
        )
        await uow.connections.add(connection)
        await uow.commit()
    return connection


async def test_connections_round_trip_with_their_secrets(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        loaded = await uow.connections.get(connection.id)
    assert loaded == connection


async def test_a_connection_s_settings_and_reconciliation_marks_are_kept(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    changed = replace(
        connection.with_store_concurrency(6, T0),
        customers_swept_at=T0 + timedelta(hours=1),
        customers_seen_through=T0 + timedelta(hours=2),
        reconcile_customers_page=3,
    )
    async with storage() as uow:
        await uow.connections.save(changed)
        await uow.commit()
    async with storage() as uow:
        loaded = await uow.connections.get(connection.id)
    assert loaded == changed


async def test_secrets_are_not_stored_in_plain_text(storage: StorageUnderTest) -> None:
    if storage.url is None:
        pytest.skip("the in-memory fake has no bytes at rest to inspect")
    location = await seed_location(storage)
    await seed_connection(storage, location)
    if storage.kind == "sqlite":
        engine = create_sync_engine(storage.url)
        with engine.connect() as conn:
            dump = repr(conn.execute(text("SELECT * FROM connections")).all())
        engine.dispose()
    else:
        import asyncpg

        conn = await asyncpg.connect(storage.url)
        try:
            dump = repr(await conn.fetch("SELECT * FROM connections"))
        finally:
            await conn.close()
    for secret in ("ck_plainkey", "cs_plainsecret", "whsec_plainwebhook"):
        assert secret not in dump


async def test_a_location_has_at_most_one_live_connection(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    await seed_connection(storage, location)
    with pytest.raises(Conflict) as refused:
        await seed_connection(storage, location)
    assert refused.value.code == "already_connected"


async def test_store_bindings_allow_one_store_per_agency_and_one_agency_per_store(
    storage: StorageUnderTest,
) -> None:
    async with storage() as uow:
        for agency_id in ("a1", "a2"):
            await uow.agencies.add(Agency(agency_id, agency_id, T0))
        await uow.bindings.add(StoreBinding("a1", "shop.example.com", T0))
        await uow.commit()
    async with storage() as uow:
        with pytest.raises(Conflict):
            await uow.bindings.add(StoreBinding("a2", "shop.example.com", T0))
    async with storage() as uow:
        with pytest.raises(Conflict):
            await uow.bindings.add(StoreBinding("a1", "other.example.com", T0))
    async with storage() as uow:
        bound = await uow.bindings.for_domain("shop.example.com")
        assert bound is not None
        assert bound.agency_id == "a1"


async def test_a_grant_state_is_single_use_and_expires(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        await uow.grants.add("state-1", connection.id, T0 + timedelta(minutes=10))
        await uow.grants.add("state-2", connection.id, T0 + timedelta(minutes=10))
        await uow.commit()
    async with storage() as uow:
        assert await uow.grants.consume("state-1", T0) == connection.id
        assert await uow.grants.consume("state-1", T0) is None
        assert await uow.grants.consume("state-2", T0 + timedelta(minutes=11)) is None
        assert await uow.grants.consume("unknown", T0) is None


async def test_a_connection_s_current_grant_state_is_its_newest_usable_one(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        await uow.grants.add("older", connection.id, T0 + timedelta(minutes=10))
        await uow.grants.add("newer", connection.id, T0 + timedelta(minutes=20))
        await uow.commit()
    async with storage() as uow:
        assert await uow.grants.current(connection.id, T0) == "newer"
        assert await uow.grants.consume("newer", T0) == connection.id
        assert await uow.grants.current(connection.id, T0) == "older"
        assert await uow.grants.current(connection.id, T0 + timedelta(minutes=10)) is None
        assert await uow.grants.current("no-such-connection", T0) is None
        # Used or expired, a state still names the connection it was issued for.
        assert await uow.grants.connection_of("newer") == connection.id
        assert await uow.grants.connection_of("older") == connection.id
        assert await uow.grants.connection_of("unknown") is None


async def test_a_connection_keeps_until_when_it_waits_for_authorization(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        loc = await uow.locations.get(location)
        assert loc is not None
        waiting = Connection(
            id=new_id(),
            location_id=location,
            agency_id=loc.agency_id,
            store_url=StoreUrl.parse("https://shop.example.com"),
            status=ConnectionStatus.AWAITING_AUTHORIZATION,
            created_at=T0,
            updated_at=T0,
            authorization_expires_at=T0 + timedelta(hours=1),
        )
        await uow.connections.add(waiting)
        await uow.commit()
    async with storage() as uow:
        assert await uow.connections.get(waiting.id) == waiting


async def test_inbox_and_triggers_are_deduplicated(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)

    def delivery(key: str) -> InboxDelivery:
        return InboxDelivery(
            new_id(), connection.id, key, "order.updated", "order", 15, T0, b"{}", T0
        )

    async with storage() as uow:
        stored = Order.create(location, order(15, T0), T0)
        await uow.orders.add(stored)
        assert await uow.inbox.add_if_new(delivery("order:15:2026-01-01T00:00:00"))
        assert not await uow.inbox.add_if_new(delivery("order:15:2026-01-01T00:00:00"))
        event = TriggerEvent(
            new_id(), location, connection.id, TriggerType.ORDER_SUBMITTED, stored.id, None, T0
        )
        assert await uow.triggers.add_if_new(event)
        assert not await uow.triggers.add_if_new(
            TriggerEvent(
                new_id(), location, connection.id, TriggerType.ORDER_SUBMITTED, stored.id, None, T0
            )
        )
        await uow.commit()
    async with storage() as uow:
        unsent = await uow.inbox.list_unsent(T0 + timedelta(seconds=1), T0, 10)
        assert len(unsent) == 1


async def test_inbox_stores_many_deliveries_in_one_statement_deduplicated(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    other = await seed_connection(storage, await seed_location(storage))

    def delivery(key: str, connection_id: str = connection.id) -> InboxDelivery:
        return InboxDelivery(
            new_id(), connection_id, key, "order.updated", "order", 15, T0, b"{}", T0
        )

    stored_before = delivery("order:15:a")
    async with storage() as uow:
        assert await uow.inbox.add_many_if_new([]) == set()
        assert await uow.inbox.add_if_new(stored_before)
        await uow.commit()
    first = delivery("order:15:b")
    repeated_in_batch = delivery("order:15:b")
    repeated_stored = delivery("order:15:a")
    same_key_elsewhere = delivery("order:15:b", other.id)
    fresh = delivery("order:15:c")
    batch = [first, repeated_in_batch, repeated_stored, same_key_elsewhere, fresh]
    async with storage() as uow:
        inserted = await uow.inbox.add_many_if_new(batch)
        await uow.commit()
    assert inserted == {first.id, same_key_elsewhere.id, fresh.id}
    async with storage() as uow:
        for kept in (stored_before, first, same_key_elsewhere, fresh):
            found = await uow.inbox.get(kept.id)
            assert found is not None
            assert (found.connection_id, found.dedupe_key, found.body) == (
                kept.connection_id,
                kept.dedupe_key,
                kept.body,
            )
        assert await uow.inbox.get(repeated_in_batch.id) is None
        assert await uow.inbox.get(repeated_stored.id) is None


def pending_deliveries(connection_id: str, count: int) -> list[InboxDelivery]:
    """`count` deliveries of distinct orders, as the receiver stores them."""
    return [
        InboxDelivery(new_id(), connection_id, f"k{n}", "order.updated", "order", n, T0, b"{}", T0)
        for n in range(count)
    ]


async def test_an_inbox_batch_not_committed_leaves_nothing(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    deliveries = pending_deliveries(connection.id, 3)
    async with storage() as uow:
        assert await uow.inbox.add_many_if_new(deliveries) == {d.id for d in deliveries}
        await uow.rollback()
    async with storage() as uow:
        assert await uow.inbox.add_many_if_new(deliveries) == {d.id for d in deliveries}
        await uow.commit()


async def test_concurrent_writers_of_one_person_make_one_contact(
    storage: StorageUnderTest,
) -> None:
    if storage.kind == "memory":
        pytest.skip("the in-memory fake serves sequential unit tests; databases enforce this")
    location = await seed_location(storage)

    async def write_contact(first: str) -> None:
        async with storage() as uow:
            await put_contact(uow, location, guest("same@example.com", first=first))
            await asyncio.sleep(0.01)
            await uow.commit()

    async def write_order() -> None:
        async with storage() as uow:
            if await uow.orders.get_by_woocommerce_id(location, 77) is None:
                await uow.orders.add(Order.create(location, order(77, T0), T0))
            await asyncio.sleep(0.01)
            await uow.commit()

    await asyncio.gather(
        *(write_contact(f"G{n}") for n in range(4)), *(write_order() for _ in range(4))
    )
    async with storage() as uow:
        assert await uow.contacts.count(location) == 1
        assert await uow.orders.count(location) == 1


async def test_concurrent_writers_never_let_an_older_version_overwrite_a_newer_one(
    storage: StorageUnderTest,
) -> None:
    if storage.kind == "memory":
        pytest.skip("the in-memory fake serves sequential unit tests; databases enforce this")
    location = await seed_location(storage)
    await add_contact(storage, location, customer(3, "v0@example.com", T0))

    async def write(minutes: int, pause: float) -> None:
        async with storage() as uow:
            record = customer(3, f"v{minutes}@example.com", T0 + timedelta(minutes=minutes))
            await put_contact(uow, location, record)
            await asyncio.sleep(pause)
            await uow.commit()

    # Each reads what is stored before the others commit, unless it has to wait for them; the
    # newest commits first.
    await asyncio.gather(write(10, 0), write(5, 0.05), write(1, 0.1))
    async with storage() as uow:
        [stored] = await uow.contacts.find(location, contact_keys(woocommerce_customer_ids=[3]))
    assert stored.email == "v10@example.com"
    assert stored.source_modified_at == T0 + timedelta(minutes=10)


async def test_units_of_work_touching_contacts_in_opposite_orders_both_succeed(
    storage: StorageUnderTest,
) -> None:
    """A reconciliation page and a webhook batch touch the same people in their own orders:
    neither waits for the other forever (PostgreSQL would abort one with a deadlock)."""
    if storage.kind == "memory":
        pytest.skip("the in-memory fake serves sequential unit tests; databases enforce this")
    location = await seed_location(storage)
    people = [await add_contact(storage, location, customer(n, f"p{n}@x.com")) for n in (1, 2)]

    async def touch(order_of_people: list[Contact], first: str) -> None:
        async with storage() as uow:
            for person in order_of_people:
                draft = ContactDraft(
                    person.woocommerce_customer_id, person.email, None, first, "X", False
                )
                await put_contact(uow, location, draft)
                await asyncio.sleep(0.05)
            await uow.commit()

    await asyncio.wait_for(
        asyncio.gather(touch(people, "Forward"), touch(people[::-1], "Backward")), timeout=30
    )
    async with storage() as uow:
        both = await uow.contacts.find(location, contact_keys(emails=["p1@x.com", "p2@x.com"]))
    names = {c.first_name for c in both}
    assert len(names) == 1, "one unit of work's names, whole, for both people"


async def test_decisions_are_added_many_at_once(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    records = [
        DecisionRecord(
            id=new_id(),
            connection_id=connection.id,
            record_type="order",
            record_id=str(n),
            rule_set="order_status",
            rule_set_version="1",
            outcome="mapped",
            decision="completed",
            created_at=T0,
            trace={"matched": n},
        )
        for n in range(3)
    ]
    async with storage() as uow:
        await uow.decisions.add_many(records)
        await uow.decisions.add_many([])
        await uow.commit()
    async with storage() as uow:
        page = await uow.decisions.list(
            connection.id, PageRequest(limit=10, filters=Filters({"outcome": "mapped"}))
        )
    assert sorted(r.record_id for r in page.items) == ["0", "1", "2"]
    assert {r.record_id: r.trace for r in page.items}["2"] == {"matched": 2}


async def test_decisions_are_listed_by_the_record_they_are_about(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)

    def decision(record_type: str, record_id: str, outcome: str) -> DecisionRecord:
        return DecisionRecord(
            id=new_id(),
            connection_id=connection.id,
            record_type=record_type,
            record_id=record_id,
            rule_set="order_submitted_trigger",
            rule_set_version="1",
            outcome=outcome,
            decision=False,
            created_at=T0,
        )

    async with storage() as uow:
        await uow.decisions.add_many(
            [
                decision("order", "7", "suppressed"),
                decision("order", "7", "mapped"),
                decision("order", "8", "suppressed"),
                decision("customer", "7", "skipped"),
            ]
        )
        await uow.commit()
    async with storage() as uow:
        order_7 = {"record_type": "order", "record_id": "7"}
        about_order = await uow.decisions.list(
            connection.id, PageRequest(limit=10, filters=Filters(order_7))
        )
        suppressed = await uow.decisions.list(
            connection.id,
            PageRequest(limit=10, filters=Filters({**order_7, "outcome": "suppressed"})),
        )
    assert sorted(d.outcome for d in about_order.items) == ["mapped", "suppressed"]
    assert [(d.record_id, d.outcome) for d in suppressed.items] == [("7", "suppressed")]


async def test_decisions_list_newest_first_across_pages(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        for n in range(5):
            await uow.decisions.add(
                DecisionRecord(
                    new_id(),
                    connection.id,
                    "order",
                    str(n),
                    "order_status",
                    "v1",
                    "mapped",
                    "pending",
                    T0,
                )
            )
        await uow.commit()
    seen: list[str] = []
    cursor: str | None = None
    async with storage() as uow:
        while True:
            page = await uow.decisions.list(connection.id, PageRequest(cursor, 2))
            seen += [d.record_id for d in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == ["4", "3", "2", "1", "0"]


async def test_inbox_reads_many_deliveries_in_one_go_and_saves_them(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    deliveries = pending_deliveries(connection.id, 3)
    async with storage() as uow:
        await uow.inbox.add_many_if_new(deliveries)
        await uow.commit()
    wanted = [deliveries[2].id, "not-stored", deliveries[0].id, deliveries[2].id]
    async with storage() as uow:
        found = await uow.inbox.get_many(wanted)
        assert sorted(d.id for d in found) == sorted([deliveries[0].id, deliveries[2].id])
        assert await uow.inbox.get_many([]) == []
        for delivery in found:
            await uow.inbox.save(replace(delivery, status=DeliveryStatus.APPLIED, processed_at=T0))
        await uow.commit()
    async with storage() as uow:
        statuses = [(await uow.inbox.get(d.id)) for d in deliveries]
    assert [d.status if d else None for d in statuses] == [
        DeliveryStatus.APPLIED,
        DeliveryStatus.PENDING,
        DeliveryStatus.APPLIED,
    ]
