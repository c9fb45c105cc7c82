"""The worker's SQLite engine: SQLite's calls run on the event loop's thread, with aiosqlite's
behaviour otherwise (errors reach the caller, transactions take turns on one connection)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from wooconnect.adapters.persistence.database import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'worker.db'}", sqlite_on_loop=True)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
    try:
        yield engine
    finally:
        await engine.dispose()


async def _thread_running_sqlite(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        sqlite = raw.driver_connection._conn  # type: ignore[union-attr]
        sqlite.create_function("thread_id", 0, threading.get_ident)
        return int((await connection.execute(text("SELECT thread_id()"))).scalar_one())


async def test_statements_run_on_the_loops_thread(engine: AsyncEngine) -> None:
    assert await _thread_running_sqlite(engine) == threading.get_ident()


async def test_the_apis_engine_runs_them_on_a_thread_of_their_own(tmp_path: Path) -> None:
    api_engine = create_engine(f"sqlite:///{tmp_path / 'api.db'}")
    try:
        assert await _thread_running_sqlite(api_engine) != threading.get_ident()
    finally:
        await api_engine.dispose()


async def test_a_failing_statement_raises_to_its_caller_and_the_engine_goes_on(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO items VALUES (1, 'first')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO items VALUES (1, 'again')"))
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM items"))).scalars().all()
    assert names == ["first"]


async def test_concurrent_transactions_take_turns_and_all_commit(engine: AsyncEngine) -> None:
    async def insert(n: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO items VALUES (:n, 'x')"), {"n": n})
            await asyncio.sleep(0)  # let the others try to begin meanwhile

    await asyncio.gather(*(insert(n) for n in range(20)))
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one()
    assert count == 20


async def test_a_rolled_back_transaction_leaves_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("INSERT INTO items VALUES (7, 'gone')"))
        await transaction.rollback()
        count = (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one()
    assert count == 0
