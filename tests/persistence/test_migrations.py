"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from tests.support.databases import fresh_postgres_database, fresh_sqlite_database
from tests.support.services import require_postgres
from wooconnect.adapters.cli.main import main
from wooconnect.adapters.persistence.database import create_engine
from wooconnect.adapters.persistence.migrate import MIGRATIONS
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


def test_db_upgrade_names_each_revision_it_applies_then_says_there_is_none_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WOOCONNECT_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    migrations = sorted(MIGRATIONS.glob("versions/[0-9]*.py"))
    head = migrations[-1].name.split("_", 1)[0]

    assert main(["db", "upgrade"]) == 0
    first = capsys.readouterr().err.splitlines()
    assert main(["db", "upgrade"]) == 0
    second = capsys.readouterr().err.splitlines()

    assert first[0] == "applied 0001: initial schema"
    assert [line.split(":")[0] for line in first[:-1]] == [
        f"applied {path.name.split('_', 1)[0]}" for path in migrations
    ]
    assert first[-1] == f"database migrated to {head}: {len(migrations)} revisions applied"
    assert second == ["database is up to date: no revision to apply"]
