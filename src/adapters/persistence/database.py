"""Engines for SQLite (the embedded default) and PostgreSQL, configured for safe concurrency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """An engine for `database_url`. Opening it connects to nothing until first use."""
    url = async_url(database_url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800
    )


def _sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    database = make_url(url).database
    pool: dict[str, Any] = {}
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Every transaction takes the write lock (see _on_begin), so one is open at a time
        # whatever the pool holds: with one connection, the process's transactions queue for
        # it in order instead of polling the lock in SQLite's busy handler, which sleeps
        # longer and longer while it waits (and is left to contention between processes).
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that upgrades to writing can
        # fail with "database is locked" under concurrent writers, whatever the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
