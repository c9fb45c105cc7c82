"""The operations metrics are counted by the database, over every process's work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import StorageUnderTest
from tests.persistence.test_repository_contract import (
    T0,
    order,
    seed_connection,
    seed_location,
)
from wooconnect.adapters.persistence.database import create_engine, session_factory
from wooconnect.adapters.persistence.metrics import SqlOperationsMetrics
from wooconnect.app.ports.metrics import ImportProgress, Latency
from wooconnect.domain.crm import Order
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery
from wooconnect.domain.jobs import ImportEntity, ImportJob, JobStatus
from wooconnect.domain.triggers import TriggerEvent, TriggerType


async def test_the_snapshot_counts_the_inbox_triggers_and_import_progress(
    storage: StorageUnderTest,
) -> None:
    if storage.url is None:
        pytest.skip("the metrics are read from a database")
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    async with storage() as uow:
        for n, received_at in enumerate([T0 + timedelta(minutes=1), T0]):
            await uow.inbox.add_if_new(
                InboxDelivery(
                    new_id(), connection.id, f"k{n}", "order.created", "order", n, T0, b"{}",
                    received_at,
                )
            )  # fmt: skip
        stored = Order.create(location, order(15, T0), T0)
        await uow.orders.add(stored)
        await uow.triggers.add_if_new(
            TriggerEvent(
                new_id(), location, connection.id, TriggerType.ORDER_SUBMITTED, stored.id, None, T0
            )
        )
        for done in (3, 2):
            await uow.import_jobs.add(
                ImportJob(
                    new_id(), connection.id, ImportEntity.ORDERS, 1, JobStatus.RUNNING, T0,
                    total=5, done=done,
                )
            )  # fmt: skip
        await uow.commit()

    engine = create_engine(storage.url)
    try:
        snapshot = await SqlOperationsMetrics(session_factory(engine)).snapshot()
    finally:
        await engine.dispose()

    assert snapshot.inbox_by_status == {"pending": 2}
    assert snapshot.oldest_pending_received_at == T0
    assert snapshot.triggers_by_type == {"order_submitted": 1}
    assert snapshot.trigger_deliveries_by_status == {}
    assert snapshot.reconciliation_repairs == 0
    assert list(snapshot.imports) == [ImportProgress("orders", "running", done=5, total=10)]


async def test_the_processing_latency_covers_deliveries_received_since_the_window_began(
    storage: StorageUnderTest,
) -> None:
    if storage.url is None:
        pytest.skip("the metrics are read from a database")
    location = await seed_location(storage)
    connection = await seed_connection(storage, location)
    window = T0 + timedelta(minutes=10)
    deliveries = [  # (received, seconds to processing, status)
        (window + timedelta(seconds=1), 1.0, DeliveryStatus.APPLIED),
        (window + timedelta(seconds=2), 3.0, DeliveryStatus.IGNORED),
        (window - timedelta(seconds=1), 60.0, DeliveryStatus.APPLIED),  # before the window
        (window + timedelta(seconds=3), None, DeliveryStatus.PENDING),
    ]
    async with storage() as uow:
        for n, (received_at, seconds, status) in enumerate(deliveries):
            processed_at = None if seconds is None else received_at + timedelta(seconds=seconds)
            await uow.inbox.add_if_new(
                InboxDelivery(
                    new_id(), connection.id, f"k{n}", "order.updated", "order", n, T0, b"{}",
                    received_at, status=status, processed_at=processed_at,
                )
            )  # fmt: skip
        await uow.commit()

    engine = create_engine(storage.url)
    try:
        metrics = SqlOperationsMetrics(session_factory(engine))
        recent = await metrics.snapshot(recent_since=window)
        unasked = await metrics.snapshot()
    finally:
        await engine.dispose()

    assert recent.processing == Latency(count=2, p50=1.0, p95=3.0, max=3.0)
    assert unasked.processing == Latency()
