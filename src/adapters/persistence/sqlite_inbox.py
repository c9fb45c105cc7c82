"""The receiver's inbox writer on SQLite: a batch of deliveries in one call, usually on the
event loop itself, otherwise on a thread of its own.

Through the async engine a batch costs a dozen hand-offs between the event loop and
aiosqlite's thread (begin, insert, fetch, commit, each there and back), and under load each
waits for the loop to come round, and for the GIL, while the loop serves requests. Here a
batch is written where it is: when SQLite's write lock is free, the transaction (a multi-row
insert and a commit, well under a millisecond) runs on the loop. When another process holds
the lock, it is not waited for on the loop: the batch goes to a thread whose connection waits
for the lock. The rows are the ones the ORM writes (`InboxDeliveryRow`): the same columns and
the same text for timestamps (UTC, as SQLAlchemy stores SQLite datetimes).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from wooconnect.adapters.persistence.database import SQLITE_BUSY_TIMEOUT_MS, configure_sqlite
from wooconnect.domain.inbox import InboxDelivery

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_COLUMNS = (
    "id",
    "connection_id",
    "dedupe_key",
    "topic",
    "resource",
    "resource_id",
    "date_modified_gmt",
    "body",
    "received_at",
    "status",
    "enqueued_at",
    "processed_at",
    "outcome",
    "webhook_id",
    "delivery_id",
)
_ROW = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
# Built from the constants above; every value is a bound parameter.
_INSERT = (
    f"INSERT INTO inbox_deliveries ({', '.join(_COLUMNS)}) VALUES {{rows}} "  # noqa: S608
    "ON CONFLICT (connection_id, dedupe_key) DO NOTHING RETURNING id"
)
# Bytes written on the loop after which the thread checkpoints the WAL into the database.
CHECKPOINT_AFTER_BYTES = 4 * 1024 * 1024


def sqlite_timestamp(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy keeps it in SQLite: naive UTC, with microseconds."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _values(delivery: InboxDelivery) -> tuple[object, ...]:
    received_at = sqlite_timestamp(delivery.received_at)
    # A delivery is usually sent to the broker the moment it is received.
    enqueued_at = (
        received_at
        if delivery.enqueued_at is delivery.received_at
        else sqlite_timestamp(delivery.enqueued_at)
    )
    return (
        delivery.id,
        delivery.connection_id,
        delivery.dedupe_key,
        delivery.topic,
        delivery.resource,
        delivery.resource_id,
        sqlite_timestamp(delivery.date_modified_gmt),
        delivery.body,
        received_at,
        delivery.status.value,
        enqueued_at,
        sqlite_timestamp(delivery.processed_at),
        delivery.outcome,
        delivery.webhook_id,
        delivery.delivery_id,
    )


class _Locked(Exception):
    """Another connection holds the write lock."""


class SqliteInboxWriter:
    """Stores deliveries in the SQLite file at `path`, a transaction per call."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._on_loop: sqlite3.Connection | None = None
        self._waiting: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._unchecked_bytes = 0
        self._checkpointing: asyncio.Future[None] | None = None

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        if not deliveries:
            return set()
        parameters = [value for delivery in deliveries for value in _values(delivery)]
        if self._on_loop is None:
            self._on_loop = self._open(busy_timeout_ms=0)
            # A commit that crosses the WAL's size limit copies the WAL into the database
            # and syncs it (milliseconds): on the loop, that would stall every request.
            self._on_loop.execute("PRAGMA wal_autocheckpoint=0")
        try:
            stored = _write(self._on_loop, len(deliveries), parameters)
        except _Locked:
            return await self._thread(self._write_waiting, len(deliveries), parameters)
        self._unchecked_bytes += sum(len(d.body) for d in deliveries) + 512 * len(deliveries)
        if self._unchecked_bytes >= CHECKPOINT_AFTER_BYTES and self._checkpointing is None:
            self._unchecked_bytes = 0
            self._checkpointing = self._thread(self._checkpoint)
            self._checkpointing.add_done_callback(self._checkpointed)
        return stored

    def _thread(self, function: Callable[..., _T], *args: object) -> asyncio.Future[_T]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="inbox-writer")
        return asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _checkpointed(self, done: asyncio.Future[None]) -> None:
        self._checkpointing = None
        if not done.cancelled() and done.exception() is not None:
            log.warning("the inbox's WAL checkpoint failed: %s", done.exception())

    def _checkpoint(self) -> None:
        """Copy what the WAL holds into the database, beside the writers (never blocking
        them); a later checkpoint, or another connection's, copies what this one cannot."""
        self._waiting_connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _write_waiting(self, rows: int, parameters: list[object]) -> set[str]:
        return _write(self._waiting_connection(), rows, parameters)

    def _waiting_connection(self) -> sqlite3.Connection:
        """The thread's connection, which waits for the write lock as the engine's do."""
        if self._waiting is None:
            self._waiting = self._open(busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
        return self._waiting

    def _open(self, *, busy_timeout_ms: int) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        configure_sqlite(db, busy_timeout_ms=busy_timeout_ms)
        return db

    async def close(self) -> None:
        if self._checkpointing is not None:
            await asyncio.wait({self._checkpointing})
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(executor, self._close_waiting)
            executor.shutdown(wait=True)
        on_loop, self._on_loop = self._on_loop, None
        if on_loop is not None:
            on_loop.close()

    def _close_waiting(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.close()


def _write(db: sqlite3.Connection, rows: int, parameters: list[object]) -> set[str]:
    """The batch in one transaction; `_Locked`, having written nothing, when the write lock
    is taken and the connection does not wait for it."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise _Locked from exc
        raise
    try:
        cursor = db.execute(_INSERT.format(rows=", ".join([_ROW] * rows)), parameters)
        stored = {row[0] for row in cursor}
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return stored
