"""The repositories' contract, run alike on the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from app.errors import WRITE_CONFLICT, Conflict
from domain.connection import Connection, ConnectionStatus, StoreCredentials
from domain.crm import ContactDraft, CrmOrderStatus, OrderDraft, TransactionDraft, TransactionKind
from domain.decisions import DecisionRecord
from domain.ids import new_id
from domain.inbox import DeliveryStatus, InboxDelivery
from domain.store_url import StoreUrl
from domain.tenancy import Agency, Location, StoreBinding
from domain.triggers import TriggerEvent, TriggerType
from tests.conftest import StorageUnderTest

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


async def test_contacts_upsert_idempotently_by_woocommerce_id(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        first = await uow.contacts.upsert(location, customer(7, "a@example.com", T0))
        again = await uow.contacts.upsert(location, customer(7, "a@example.com", T0))
        await uow.commit()
    assert first.created
    assert not again.created
    assert not again.changed, "the same version changes nothing"
    assert again.value.id == first.value.id
    async with storage() as uow:
        assert await uow.contacts.count(location) == 1


async def test_contact_resolution_prefers_customer_id_then_email_then_phone(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        by_phone = (await uow.contacts.upsert(location, guest(None, "+1 (555) 0100"))).value
        by_email = (await uow.contacts.upsert(location, guest("Bob@Example.com"))).value
        by_id = (await uow.contacts.upsert(location, customer(9, "carol@example.com"))).value
        await uow.commit()
    async with storage() as uow:
        resolve = uow.contacts.resolve
        hit = await resolve(
            location, woocommerce_customer_id=9, email="bob@example.com", phone="+15550100"
        )
        assert hit is not None
        assert hit.id == by_id.id
        hit = await resolve(
            location, woocommerce_customer_id=None, email="  BOB@example.COM ", phone="+15550100"
        )
        assert hit is not None
        assert hit.id == by_email.id
        hit = await resolve(
            location, woocommerce_customer_id=None, email="x@example.com", phone="+1-555-0100"
        )
        assert hit is not None
        assert hit.id == by_phone.id
        assert (
            await resolve(
                location, woocommerce_customer_id=None, email="no@example.com", phone=None
            )
            is None
        )


async def test_a_contact_of_another_store_customer_is_never_merged(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.contacts.upsert(location, customer(1, "shared@example.com"))
        hit = await uow.contacts.resolve(
            location, woocommerce_customer_id=2, email="shared@example.com", phone=None
        )
    assert hit is None


async def test_a_guest_upgrades_to_the_registered_customer_with_its_email(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        g = await uow.contacts.upsert(location, guest("dana@example.com"))
        r = await uow.contacts.upsert(location, customer(12, "DANA@example.com", T0))
        await uow.commit()
    assert r.value.id == g.value.id
    assert r.value.woocommerce_customer_id == 12
    assert not r.value.is_guest


async def test_a_contact_that_must_not_be_updated_is_left_as_it_was(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.contacts.upsert(location, guest("eve@example.com", first="Eve"))
        kept = await uow.contacts.upsert(
            location, guest("eve@example.com", first="Evil"), update_existing=False
        )
        await uow.commit()
    assert not kept.changed
    assert kept.value.first_name == "Eve"


async def test_an_older_contact_version_never_overwrites_a_newer_one(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.contacts.upsert(location, customer(3, "new@example.com", T0 + timedelta(hours=1)))
        stale = await uow.contacts.upsert(location, customer(3, "old@example.com", T0))
        await uow.commit()
    assert not stale.changed
    assert stale.value.email == "new@example.com"


async def test_an_order_version_seen_before_with_other_data_is_a_change_within_that_second(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.orders.upsert(location, order(15, T0))
        same_second = await uow.orders.upsert(location, order(15, T0, CrmOrderStatus.COMPLETED))
        await uow.commit()
    assert same_second.changed
    assert same_second.value.status is CrmOrderStatus.COMPLETED
    assert same_second.previous is not None
    assert same_second.previous.status is CrmOrderStatus.PENDING


async def test_orders_upsert_by_woocommerce_id_and_ignore_stale_versions(
    storage: StorageUnderTest,
) -> None:
    location = await seed_location(storage)
    later = T0 + timedelta(minutes=5)
    async with storage() as uow:
        created = await uow.orders.upsert(location, order(15, T0))
        updated = await uow.orders.upsert(location, order(15, later, CrmOrderStatus.COMPLETED))
        stale = await uow.orders.upsert(location, order(15, T0, CrmOrderStatus.CANCELLED))
        same = await uow.orders.upsert(location, order(15, later, CrmOrderStatus.COMPLETED))
        await uow.commit()
    assert created.created
    assert updated.changed
    assert updated.previous is not None
    assert updated.previous.status is CrmOrderStatus.PENDING
    assert not stale.changed
    assert not same.changed
    async with storage() as uow:
        stored = await uow.orders.get_by_woocommerce_id(location, 15)
        assert stored is not None
        assert stored.status is CrmOrderStatus.COMPLETED
        assert stored.source_subtype == "woocommerce"
        assert stored.total == Decimal("12.50")
        assert await uow.orders.count(location) == 1


async def test_transactions_upsert_by_their_store_reference(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        stored_order = (await uow.orders.upsert(location, order(20, T0))).value
        draft = TransactionDraft(
            "refund:33",
            stored_order.id,
            None,
            TransactionKind.REFUND,
            Decimal("5.00"),
            "USD",
            "stripe",
            T0,
        )
        first = await uow.transactions.upsert(location, draft)
        again = await uow.transactions.upsert(location, draft)
        await uow.commit()
    assert first.created
    assert not again.created
    assert not again.changed
    async with storage() as uow:
        assert await uow.transactions.count(location) == 1
        page = await uow.transactions.list(location, cursor=None, limit=10)
        assert page.items[0].amount == Decimal("5.00")
        assert page.items[0].kind is TransactionKind.REFUND


async def test_lists_page_with_a_cursor_until_the_end(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        for n in range(5):
            await uow.orders.upsert(location, order(100 + n, T0))
        await uow.commit()
    seen: list[int] = []
    cursor: str | None = None
    async with storage() as uow:
        while True:
            page = await uow.orders.list(location, cursor=cursor, limit=2)
            seen += [o.woocommerce_order_id for o in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert sorted(seen) == [100, 101, 102, 103, 104]
    assert len(seen) == 5


async def test_leaving_without_commit_rolls_back(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.orders.upsert(location, order(1, T0))
    async with storage() as uow:
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
        connection = Connection(
            id=new_id(),
            location_id=location_id,
            agency_id=loc.agency_id,
            store_url=StoreUrl.parse("https://shop.example.com"),
            status=ConnectionStatus.AWAITING_AUTHORIZATION,
            created_at=T0,
            updated_at=T0,
        ).authorize(StoreCredentials("ck_plainkey", "cs_plainsecret"), T0)
        connection = connection.activate("whsec_plainwebhook", T0)
        await uow.connections.add(connection)
        await uow.commit()
    return connection


async def test_connections_round_trip_with_their_secrets(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        loaded = await uow.connections.get(connection.id)
    assert loaded == connection


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


async def test_inbox_and_triggers_are_deduplicated(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)

    def delivery(key: str) -> InboxDelivery:
        return InboxDelivery(
            new_id(), connection.id, key, "order.updated", "order", 15, T0, b"{}", T0
        )

    async with storage() as uow:
        stored = (await uow.orders.upsert(location, order(15, T0))).value
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
        unsent = await uow.inbox.list_unsent(T0 + timedelta(seconds=1), 10)
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


async def test_concurrent_upserts_of_one_record_make_one_row(storage: StorageUnderTest) -> None:
    if storage.kind == "memory":
        pytest.skip("the in-memory fake serves sequential unit tests; databases enforce this")
    location = await seed_location(storage)

    async def write_contact(first: str) -> None:
        async with storage() as uow:
            await uow.contacts.upsert(location, guest("same@example.com", first=first))
            await asyncio.sleep(0.01)
            await uow.commit()

    async def write_order() -> None:
        async with storage() as uow:
            await uow.orders.upsert(location, order(77, T0))
            await asyncio.sleep(0.01)
            await uow.commit()

    await asyncio.gather(
        *(write_contact(f"G{n}") for n in range(4)), *(write_order() for _ in range(4))
    )
    async with storage() as uow:
        assert await uow.contacts.count(location) == 1
        assert await uow.orders.count(location) == 1


# -- a page's work: preloaded rows, deferred writes ------------------------------------------


class Labels:
    """Ids replaced by the order they were first seen in, so two runs compare."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, value: object) -> object:
        if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
            return self._seen.setdefault(value, len(self._seen))
        return value

    def row(self, record: object) -> tuple[object, ...]:
        skip = {"location_id", "created_at", "updated_at"}
        fields = record.__dataclass_fields__  # type: ignore[attr-defined]
        return tuple(self(getattr(record, name)) for name in fields if name not in skip)


async def run_page_scenario(storage: StorageUnderTest, *, preload: bool) -> list[object]:
    """The same writes, record by record or after a preload; what they return and leave."""
    location = await seed_location(storage)
    later = T0 + timedelta(hours=1)
    async with storage() as uow:
        await uow.contacts.upsert(location, customer(1, "shared@example.com", T0))
        await uow.contacts.upsert(location, guest("dana@example.com"))
        await uow.contacts.upsert(location, guest(None, "+1 555 0100"))
        await uow.orders.upsert(location, order(15, T0))
        await uow.commit()
    label = Labels()
    log: list[object] = []
    async with storage() as uow:
        if preload:
            # Not every key: "fresh@…" and order 16 are loaded when first used.
            await uow.contacts.preload(
                location,
                woocommerce_customer_ids=[1, 12],
                emails=["dana@example.com", "shared@example.com", None],
                phones=["+1-555-0100"],
            )
            await uow.orders.preload(location, [15])
            await uow.transactions.preload(location, ["order:15"])
        contacts = uow.contacts
        for draft, update_existing in [
            (guest("dana@example.com", first="Dana"), False),
            (customer(12, "DANA@example.com", T0), True),
            (customer(12, "dana2@example.com", later), True),
            (customer(12, "x@example.com", T0), True),
            (guest("new@example.com", "+1-555-0100"), True),
            (guest("fresh@example.com"), True),
            (guest("FRESH@example.com", first="F2"), True),
            (guest("shared@example.com", first="Shared"), True),
        ]:
            done = await contacts.upsert(location, draft, update_existing=update_existing)
            log.append((done.created, done.changed, label.row(done.value)))
        missed = await contacts.resolve(
            location, woocommerce_customer_id=2, email="shared@example.com", phone=None
        )
        log.append(missed)
        fresh = await contacts.resolve(
            location, woocommerce_customer_id=None, email="fresh@example.com", phone=None
        )
        assert fresh is not None
        for draft in [
            order(15, T0, CrmOrderStatus.CANCELLED),
            order(15, later, CrmOrderStatus.COMPLETED),
            order(16, T0, contact_id=fresh.id),
            order(16, later, CrmOrderStatus.COMPLETED),
        ]:
            done_order = await uow.orders.upsert(location, draft)
            log.append((done_order.created, done_order.changed, label.row(done_order.value)))
        sixteen = await uow.orders.get_by_woocommerce_id(location, 16)
        assert sixteen is not None
        log.append(label.row(sixteen))
        log.append(await uow.orders.get_by_woocommerce_id(location, 99))
        charge = TransactionDraft(
            "order:16",
            sixteen.id,
            fresh.id,
            TransactionKind.CHARGE,
            Decimal("12.50"),
            "USD",
            "",
            T0,
        )
        for draft_t in [charge, charge, replace(charge, amount=Decimal("13.00"))]:
            done_t = await uow.transactions.upsert(location, draft_t)
            log.append((done_t.created, done_t.changed, label.row(done_t.value)))
        deleted = await uow.orders.mark_deleted(location, 15, True)
        assert deleted is not None
        log.append(label.row(deleted))
        log.append(await uow.contacts.count(location))
        await uow.commit()
    async with storage() as uow:
        # In a stable order (ids made in one millisecond do not sort by creation).
        contacts_left = (await uow.contacts.list(location, cursor=None, limit=50)).items
        log.extend(label.row(c) for c in sorted(contacts_left, key=lambda c: c.email or ""))
        orders_left = (await uow.orders.list(location, cursor=None, limit=50)).items
        log.extend(label.row(o) for o in sorted(orders_left, key=lambda o: o.woocommerce_order_id))
        log.extend(
            label.row(t)
            for t in (await uow.transactions.list(location, cursor=None, limit=50)).items
        )
    return log


async def test_a_preloaded_page_behaves_exactly_like_record_by_record(
    storage: StorageUnderTest,
) -> None:
    plain = await run_page_scenario(storage, preload=False)
    preloaded = await run_page_scenario(storage, preload=True)
    assert preloaded == plain
    assert plain[-4:]  # the scenario left rows to compare


async def test_deferred_writes_are_dropped_on_rollback(storage: StorageUnderTest) -> None:
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.contacts.preload(
            location, woocommerce_customer_ids=[], emails=["gone@example.com"], phones=[]
        )
        await uow.orders.preload(location, [40])
        await uow.contacts.upsert(location, guest("gone@example.com"))
        await uow.orders.upsert(location, order(40, T0))
        await uow.rollback()
        await uow.commit()
    async with storage() as uow:
        assert await uow.contacts.count(location) == 0
        assert await uow.orders.count(location) == 0


async def test_a_concurrent_writer_makes_the_deferred_writes_conflict(
    storage: StorageUnderTest,
) -> None:
    if storage.kind != "postgres":
        pytest.skip("only PostgreSQL lets a second writer in after the preload")
    location = await seed_location(storage)
    async with storage() as uow:
        await uow.contacts.preload(
            location, woocommerce_customer_ids=[], emails=["race@example.com"], phones=[]
        )
        await uow.contacts.upsert(location, guest("race@example.com", first="Page"))
        async with storage() as other:
            await other.contacts.upsert(location, guest("race@example.com", first="Webhook"))
            await other.commit()
        with pytest.raises(Conflict) as raised:
            await uow.commit()
        assert raised.value.code == WRITE_CONFLICT
    async with storage() as uow:
        assert await uow.contacts.count(location) == 1


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
        page = await uow.decisions.list(connection.id, outcome="mapped", cursor=None, limit=10)
    assert sorted(r.record_id for r in page.items) == ["0", "1", "2"]
    assert {r.record_id: r.trace for r in page.items}["2"] == {"matched": 2}


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
            page = await uow.decisions.list(connection.id, outcome=None, cursor=cursor, limit=2)
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
