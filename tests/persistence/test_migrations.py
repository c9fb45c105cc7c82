"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from tests.support.databases import fresh_postgres_database, fresh_sqlite_database
from tests.support.services import require_postgres
from wooconnect.adapters.persistence.database import create_engine
from wooconnect.adapters.persistence.models import Base


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


async def test_the_sqlite_schema_matches_the_models(tmp_path: Path) -> None:
    async with fresh_sqlite_database(tmp_path) as url:
        assert await _diff(url) == []


@pytest.mark.postgres
async def test_the_postgres_schema_matches_the_models() -> None:
    require_postgres()
    async with fresh_postgres_database() as url:
        assert await _diff(url) == []
