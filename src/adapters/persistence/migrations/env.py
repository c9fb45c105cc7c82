"""Alembic environment: runs migrations over the async engine built from the settings' URL."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.migration import MigrationContext, MigrationInfo
from alembic.script import Script
from sqlalchemy.engine import Connection

from wooconnect.adapters.persistence.database import create_engine
from wooconnect.adapters.persistence.models import Base

config = context.config
target_metadata = Base.metadata


def _record(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    """Note each revision applied, for the caller's report (`migrate.upgrade`)."""
    applied = config.attributes.get("applied")
    revision = step.up_revision  # a Script: the revision with its file's docstring
    if applied is not None and step.is_upgrade and isinstance(revision, Script):
        applied.append((revision.revision, revision.doc))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=_record,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
