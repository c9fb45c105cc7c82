"""Schema migrations with Alembic, driven from code (`wooconnect db upgrade`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would read a '%' in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@dataclass(frozen=True, slots=True)
class Applied:
    """A migration that `upgrade` applied: its revision id and what it does."""

    revision: str
    doc: str


def upgrade(database_url: str, revision: str = "head") -> list[Applied]:
    """Bring the database at `database_url` to `revision` (the latest by default); returns the
    migrations applied, oldest first (none when it was there already)."""
    config = alembic_config(database_url)
    applied: list[tuple[str, str]] = []
    config.attributes["applied"] = applied  # filled by migrations/env.py
    command.upgrade(config, revision)
    return [Applied(revision_id, doc) for revision_id, doc in applied]


async def upgrade_async(database_url: str, revision: str = "head") -> list[Applied]:
    """`upgrade` from inside an event loop (Alembic's env runs its own loop)."""
    return await asyncio.to_thread(upgrade, database_url, revision)
