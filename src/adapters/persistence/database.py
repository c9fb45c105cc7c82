"""Engines for SQLite (the embedded default) and PostgreSQL, configured for safe concurrency."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(database_url: str) -> str:
    """Map the settings' URL to its async driver: sqlite → aiosqlite, postgresql → asyncpg."""
    url = make_url(database_url)
    driver = url.drivername
    if driver in {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}:
        url = url.set(drivername="sqlite+aiosqlite")
    elif driver in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+asyncpg"}:
        url = url.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database URL scheme {driver!r}: use sqlite or postgresql")
    return url.render_as_string(hide_password=False)


def create_engine(
    database_url: str, *, echo: bool = False, sqlite_on_loop: bool = False
) -> AsyncEngine:
    """An engine for `database_url`. Opening it connects to nothing until first use.

    `sqlite_on_loop` runs SQLite's calls on the event loop's thread instead of a thread of
    their own (see `OnLoopSqliteConnection`): for a worker process, not for the API.
    """
    url = async_url(database_url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo, on_loop=sqlite_on_loop)
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800
    )


# How long a writer waits for another connection's write lock.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_sqlite(
    dbapi_connection: Any, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> None:
    """What every connection to the service's SQLite file is set to: WAL (readers never wait
    for the writer), synchronous=NORMAL (in WAL mode a commit is not synced: a power loss may
    lose the last ones, never the file's consistency), foreign keys enforced, and how long to
    wait for the write lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
    cursor.close()


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its thread: runs each call as it is queued."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite's thread does
            if future is not None and not future.done():
                future.set_exception(exc)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class OnLoopSqliteConnection(aiosqlite.Connection):
    """aiosqlite's connection without its thread: every call runs at once, on the loop.

    A call to a local SQLite file takes microseconds; handing each one to a thread and back
    costs more than the call, and a delivery's transaction makes twenty of them. A call that
    takes long (a large scan) holds the loop meanwhile, so this suits a worker process,
    whose tasks share one connection anyway, not the API, whose requests must not wait.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start


def _sqlite_engine(url: str, *, echo: bool, on_loop: bool = False) -> AsyncEngine:
    database = make_url(url).database
    pool: dict[str, Any] = {}
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Every transaction takes the write lock (see _on_begin), so one is open at a time
        # whatever the pool holds: with one connection, the process's transactions queue for
        # it in order instead of polling the lock in SQLite's busy handler, which sleeps
        # longer and longer while it waits (and is left to contention between processes).
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}
    if on_loop and database and database != ":memory:":
        path = database

        async def connect() -> aiosqlite.Connection:
            return await OnLoopSqliteConnection(
                lambda: sqlite3.connect(path, timeout=30, check_same_thread=False)
            )

        pool["async_creator"] = connect
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        configure_sqlite(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that upgrades to writing can
        # fail with "database is locked" under concurrent writers, whatever the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
