"""Throw-away databases, migrated with the real migrations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.support.services import POSTGRES_URL
from wooconnect.adapters.persistence.migrate import upgrade_async


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """Create a new database on the test server, migrate it, drop it afterwards."""
    name = f"wooconnect_t_{uuid.uuid4().hex[:12]}"
    admin = make_url(POSTGRES_URL)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)
        yield url
    finally:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@asynccontextmanager
async def fresh_sqlite_database(directory: Path) -> AsyncIterator[str]:
    url = f"sqlite:///{directory / 'wooconnect.db'}"
    await upgrade_async(url)
    yield url
    await asyncio.sleep(0)
