"""The receiver's SQLite inbox writer stores what the repository reads back, exactly as the
unit of work would have, and deduplicates the same way."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import TEST_FERNET_KEY, StorageUnderTest
from tests.fakes.memory import FakeClock
from tests.persistence.test_repository_contract import seed_connection, seed_location
from tests.support.databases import fresh_sqlite_database
from wooconnect.adapters.bootstrap import inbox_writer_for
from wooconnect.adapters.crypto import FernetCipher
from wooconnect.adapters.persistence import sqlite_inbox
from wooconnect.adapters.persistence.database import create_engine, session_factory
from wooconnect.adapters.persistence.inbox_batcher import UnitOfWorkInboxWriter
from wooconnect.adapters.persistence.sqlite_inbox import SqliteInboxWriter
from wooconnect.adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery

RECEIVED = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
MODIFIED = datetime(2026, 3, 4, 5, 6, 1, tzinfo=UTC)


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[StorageUnderTest]:
    async with fresh_sqlite_database(tmp_path) as url:
        engine = create_engine(url)
        sessions = session_factory(engine)
        clock = FakeClock()
        cipher = FernetCipher(TEST_FERNET_KEY)
        try:
            yield StorageUnderTest(
                "sqlite", lambda: SqlAlchemyUnitOfWork(sessions, cipher, clock), clock, url
            )
        finally:
            await engine.dispose()


@pytest.fixture
async def writer(sqlite_storage: StorageUnderTest) -> AsyncIterator[SqliteInboxWriter]:
    assert sqlite_storage.url is not None
    path = make_url(sqlite_storage.url).database
    assert path is not None
    writer = SqliteInboxWriter(path)
    try:
        yield writer
    finally:
        await writer.close()


def _delivery(connection_id: str, key: str, **changes: object) -> InboxDelivery:
    delivery = InboxDelivery(
        id=new_id(),
        connection_id=connection_id,
        dedupe_key=key,
        topic="order.updated",
        resource="order",
        resource_id=15,
        date_modified_gmt=MODIFIED,
        body=b'{"id":15,"note":"caf\\u00e9 \\/ bytes as sent"}',
        received_at=RECEIVED,
        enqueued_at=RECEIVED,
        webhook_id=7,
        delivery_id="abc123",
    )
    return replace(delivery, **changes)  # type: ignore[arg-type]


async def test_what_it_stores_reads_back_field_for_field(
    sqlite_storage: StorageUnderTest, writer: SqliteInboxWriter
) -> None:
    connection = await seed_connection(sqlite_storage, await seed_location(sqlite_storage))
    full = _delivery(connection.id, "order:15:a")
    sparse = _delivery(
        connection.id,
        "order:15:b",
        date_modified_gmt=None,
        resource_id=None,
        enqueued_at=None,
        webhook_id=None,
        delivery_id=None,
    )
    assert await writer.add_many_if_new([full, sparse]) == {full.id, sparse.id}
    async with sqlite_storage() as uow:
        assert await uow.inbox.get(full.id) == full
        assert await uow.inbox.get(sparse.id) == sparse
        unsent = await uow.inbox.list_unsent(RECEIVED + timedelta(seconds=1), RECEIVED, 10)
    assert [d.id for d in unsent] == [sparse.id]


async def test_it_skips_deliveries_stored_before_or_earlier_in_the_batch(
    sqlite_storage: StorageUnderTest, writer: SqliteInboxWriter
) -> None:
    connection = await seed_connection(sqlite_storage, await seed_location(sqlite_storage))
    other = await seed_connection(sqlite_storage, await seed_location(sqlite_storage))
    stored_before = _delivery(connection.id, "order:15:a")
    assert await UnitOfWorkInboxWriter(sqlite_storage).add_many_if_new([stored_before]) == {
        stored_before.id
    }
    first = _delivery(connection.id, "order:15:b")
    repeated_in_batch = _delivery(connection.id, "order:15:b")
    repeated_stored = _delivery(connection.id, "order:15:a")
    same_key_elsewhere = _delivery(other.id, "order:15:b")
    batch = [first, repeated_in_batch, repeated_stored, same_key_elsewhere]
    assert await writer.add_many_if_new(batch) == {first.id, same_key_elsewhere.id}
    assert await writer.add_many_if_new([]) == set()


async def test_a_batch_that_fails_stores_nothing_and_the_writer_goes_on(
    sqlite_storage: StorageUnderTest, writer: SqliteInboxWriter
) -> None:
    connection = await seed_connection(sqlite_storage, await seed_location(sqlite_storage))
    good = _delivery(connection.id, "order:15:a")
    orphan = _delivery("no-such-connection", "order:15:b")  # refused by the foreign key
    with pytest.raises(Exception, match="FOREIGN KEY"):
        await writer.add_many_if_new([good, orphan])
    async with sqlite_storage() as uow:
        assert await uow.inbox.get(good.id) is None
    assert await writer.add_many_if_new([good]) == {good.id}
    async with sqlite_storage() as uow:
        found = await uow.inbox.get(good.id)
    assert found is not None
    assert found.status is DeliveryStatus.PENDING


def test_sqlite_files_get_the_writer_and_other_databases_the_unit_of_work(
    tmp_path: Path,
) -> None:
    assert isinstance(inbox_writer_for(f"sqlite:///{tmp_path / 'a.db'}"), SqliteInboxWriter)
    assert inbox_writer_for("sqlite:///:memory:") is None
    assert inbox_writer_for("postgresql://postgres@127.0.0.1:5432/test") is None


async def test_while_another_process_holds_the_lock_the_batch_waits_off_the_loop(
    sqlite_storage: StorageUnderTest, writer: SqliteInboxWriter
) -> None:
    connection = await seed_connection(sqlite_storage, await seed_location(sqlite_storage))
    assert sqlite_storage.url is not None
    other = sqlite3.connect(make_url(sqlite_storage.url).database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as another process writing
    delivery = _delivery(connection.id, "order:15:a")
    write = asyncio.create_task(writer.add_many_if_new([delivery]))
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks += 1
    assert not write.done()
    assert ticks == 20  # the loop went on meanwhile
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(write, 10) == {delivery.id}
    assert await writer.add_many_if_new([_delivery(connection.id, "order:15:b")])


async def test_the_wal_is_copied_into_the_database_off_the_loop_as_it_grows(
    sqlite_storage: StorageUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inbox, "CHECKPOINT_AFTER_BYTES", 1)
    connection = await seed_connection(sqlite_storage, await seed_location(sqlite_storage))
    assert sqlite_storage.url is not None
    path = Path(make_url(sqlite_storage.url).database or "")
    writer = SqliteInboxWriter(str(path))
    delivery = _delivery(connection.id, "order:15:a")
    assert await writer.add_many_if_new([delivery]) == {delivery.id}
    await writer.close()  # waits for the checkpoint it started
    # The database file alone, without its WAL, holds the delivery.
    alone = tmp_path / "alone.db"
    shutil.copyfile(path, alone)
    copy = sqlite3.connect(alone)
    try:
        assert copy.execute("SELECT id FROM inbox_deliveries").fetchall() == [(delivery.id,)]
    finally:
        copy.close()
