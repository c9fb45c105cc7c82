"""The subscription and trigger-delivery repositories' contract, on the in-memory fake, SQLite
and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from tests.conftest import StorageUnderTest
from tests.persistence.test_repository_contract import T0, order, seed_connection, seed_location
from wooconnect.app.ports.persistence import PageRequest
from wooconnect.domain.crm import Order
from wooconnect.domain.ids import new_id
from wooconnect.domain.subscriptions import DeliveryState, TriggerDelivery, TriggerSubscription
from wooconnect.domain.triggers import TriggerEvent, TriggerType

SECRET = "whsec_plain_subscriber_secret"


async def seed_event(storage: StorageUnderTest, woo_id: int = 15) -> TriggerEvent:
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        stored = Order.create(location, order(woo_id, T0), T0)
        await uow.orders.add(stored)
        event = TriggerEvent(
            new_id(), location, connection.id, TriggerType.ORDER_SUBMITTED, stored.id, None, T0
        )
        await uow.triggers.add_if_new(event)
        await uow.commit()
    return event


def subscription(location_id: str) -> TriggerSubscription:
    return TriggerSubscription(
        id=new_id(),
        location_id=location_id,
        url="https://hooks.example.com/catch/1/?a=b",
        events=(TriggerType.PAYMENT_RECEIVED, TriggerType.ORDER_SUBMITTED),
        secret=SECRET,
        created_at=T0,
    )


def delivery(event: TriggerEvent, subscription_id: str) -> TriggerDelivery:
    return TriggerDelivery(
        id=new_id(),
        event_id=event.id,
        subscription_id=subscription_id,
        event_type=event.type,
        body=b'{"id":"x"}',
        created_at=T0,
        next_attempt_at=T0,
    )


async def test_subscriptions_round_trip_and_soft_delete(storage: StorageUnderTest) -> None:
    event = await seed_event(storage)
    live = subscription(event.location_id)
    gone = subscription(event.location_id)
    async with storage() as uow:
        await uow.subscriptions.add(live)
        await uow.subscriptions.add(gone)
        await uow.commit()
    async with storage() as uow:
        assert await uow.subscriptions.get(live.id) == live
        await uow.subscriptions.save(replace(gone, deleted_at=T0 + timedelta(hours=1)))
        await uow.commit()
    async with storage() as uow:
        assert [s.id for s in await uow.subscriptions.live_for_location(event.location_id)] == [
            live.id
        ]
        page = await uow.subscriptions.list_live(event.location_id, PageRequest(limit=10))
        assert [s.id for s in page.items] == [live.id]
        assert page.next_cursor is None
        deleted = await uow.subscriptions.get(gone.id)
        assert deleted is not None
        assert deleted.deleted_at == T0 + timedelta(hours=1)
        assert await uow.subscriptions.live_for_location("elsewhere") == []


async def test_subscription_secrets_are_encrypted_at_rest(storage: StorageUnderTest) -> None:
    if storage.kind == "memory":
        pytest.skip("the in-memory fake has no bytes at rest to inspect")
    event = await seed_event(storage)
    async with storage() as uow:
        await uow.subscriptions.add(subscription(event.location_id))
        await uow.commit()
    if storage.kind == "sqlite":
        engine = create_sync_engine(storage.url)
        with engine.connect() as conn:
            dump = repr(conn.execute(text("SELECT * FROM trigger_subscriptions")).all())
        engine.dispose()
    else:
        import asyncpg

        conn = await asyncpg.connect(storage.url)
        try:
            dump = repr(await conn.fetch("SELECT * FROM trigger_subscriptions"))
        finally:
            await conn.close()
    assert "hooks.example.com" in dump
    assert SECRET not in dump


async def test_one_delivery_per_event_and_subscription(storage: StorageUnderTest) -> None:
    event = await seed_event(storage)
    sub = subscription(event.location_id)
    async with storage() as uow:
        await uow.subscriptions.add(sub)
        first = delivery(event, sub.id)
        assert await uow.trigger_deliveries.add_if_new(first)
        assert not await uow.trigger_deliveries.add_if_new(delivery(event, sub.id))
        await uow.commit()
    async with storage() as uow:
        assert await uow.trigger_deliveries.get(first.id) == first


async def test_deliveries_save_their_attempts(storage: StorageUnderTest) -> None:
    event = await seed_event(storage)
    sub = subscription(event.location_id)
    pending = delivery(event, sub.id)
    async with storage() as uow:
        await uow.subscriptions.add(sub)
        await uow.trigger_deliveries.add_if_new(pending)
        await uow.commit()
    failed_once = pending.attempt_failed(
        T0 + timedelta(seconds=1), status_code=503, error="busy", jitter=0.5
    )
    async with storage() as uow:
        await uow.trigger_deliveries.save(failed_once)
        await uow.commit()
    async with storage() as uow:
        assert await uow.trigger_deliveries.get(pending.id) == failed_once


async def test_a_delivery_is_claimed_once_and_only_when_due(storage: StorageUnderTest) -> None:
    event = await seed_event(storage)
    sub = subscription(event.location_id)
    pending = delivery(event, sub.id)
    async with storage() as uow:
        await uow.subscriptions.add(sub)
        await uow.trigger_deliveries.add_if_new(pending)
        await uow.commit()
    lease = T0 + timedelta(minutes=2)
    async with storage() as uow:
        assert not await uow.trigger_deliveries.claim(pending.id, T0 - timedelta(seconds=1), lease)
        assert await uow.trigger_deliveries.claim(pending.id, T0, lease)
        await uow.commit()
    async with storage() as uow:
        assert not await uow.trigger_deliveries.claim(pending.id, T0 + timedelta(minutes=1), lease)
        claimed = await uow.trigger_deliveries.get(pending.id)
        assert claimed is not None
        assert claimed.next_attempt_at == lease
        assert await uow.trigger_deliveries.claim(pending.id, lease, lease + timedelta(minutes=2))
        await uow.trigger_deliveries.save(claimed.succeeded(lease, 200))
        await uow.commit()
    async with storage() as uow:
        assert not await uow.trigger_deliveries.claim(pending.id, lease + timedelta(days=1), lease)


async def test_concurrent_claims_let_exactly_one_worker_send(storage: StorageUnderTest) -> None:
    if storage.kind == "memory":
        pytest.skip("the in-memory fake serves sequential unit tests; databases enforce this")
    event = await seed_event(storage)
    sub = subscription(event.location_id)
    pending = delivery(event, sub.id)
    async with storage() as uow:
        await uow.subscriptions.add(sub)
        await uow.trigger_deliveries.add_if_new(pending)
        await uow.commit()

    async def claim() -> bool:
        async with storage() as uow:
            won = await uow.trigger_deliveries.claim(pending.id, T0, T0 + timedelta(minutes=2))
            await asyncio.sleep(0.01)
            await uow.commit()
            return won

    results = await asyncio.gather(*(claim() for _ in range(4)), return_exceptions=True)
    # SQLite may refuse a concurrent writer outright ("database is locked"): that one did not
    # claim either.
    assert sum(r is True for r in results) == 1


async def test_due_deliveries_states_and_stats(storage: StorageUnderTest) -> None:
    event = await seed_event(storage, woo_id=1)
    other = await seed_event(storage, woo_id=2)
    sub = subscription(event.location_id)
    other_sub = subscription(other.location_id)
    ok = delivery(event, sub.id)
    later = replace(delivery(other, other_sub.id), next_attempt_at=T0 + timedelta(hours=1))
    async with storage() as uow:
        await uow.subscriptions.add(sub)
        await uow.subscriptions.add(other_sub)
        await uow.trigger_deliveries.add_if_new(ok)
        await uow.trigger_deliveries.add_if_new(later)
        await uow.commit()
    async with storage() as uow:
        assert [d.id for d in await uow.trigger_deliveries.list_due(T0, 10)] == [ok.id]
        due_later = await uow.trigger_deliveries.list_due(T0 + timedelta(hours=2), 10)
        assert [d.id for d in due_later] == [ok.id, later.id]
        await uow.trigger_deliveries.save(ok.succeeded(T0 + timedelta(seconds=3), 204))
        await uow.trigger_deliveries.save(
            later.attempt_failed(T0 + timedelta(days=2), status_code=None, error="dns", jitter=0)
        )
        await uow.commit()
    async with storage() as uow:
        assert await uow.trigger_deliveries.list_due(T0 + timedelta(days=3), 10) == []
        states = await uow.trigger_deliveries.states_for_events([event.id, other.id, "none"])
        assert dict(states) == {
            event.id: [DeliveryState.DELIVERED],
            other.id: [DeliveryState.FAILED],
        }
        stats = await uow.trigger_deliveries.stats_for_subscriptions([sub.id, other_sub.id, "x"])
        assert set(stats) == {sub.id, other_sub.id}
        assert (stats[sub.id].delivered, stats[sub.id].pending, stats[sub.id].failed) == (1, 0, 0)
        assert stats[sub.id].last_status_code == 204
        assert stats[sub.id].last_attempt_at == T0 + timedelta(seconds=3)
        assert stats[other_sub.id].failed == 1
        assert stats[other_sub.id].last_error == "dns"
        assert await uow.trigger_deliveries.states_for_events([]) == {}
        assert await uow.trigger_deliveries.stats_for_subscriptions([]) == {}
