"""The table operations the migrations share.

Constraints and indexes take the names `models.NAMING` gives them. Columns change in batch
mode: where SQLite cannot alter a table in place (dropping a column), it copies the table.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


def create_table(
    name: str,
    *columns: sa.Column[Any],
    primary_key: str = "id",
    references: Mapping[str, str] | None = None,
    unique: Iterable[Sequence[str]] = (),
    indexed: Iterable[str] = (),
) -> None:
    """Create table `name` of `columns`: `references` maps a column to the table whose `id` it
    holds, `unique` lists the columns unique together, `indexed` the columns indexed alone."""
    op.create_table(
        name,
        *columns,
        *(
            sa.ForeignKeyConstraint([column], [f"{table}.id"], name=f"fk_{name}_{column}_{table}")
            for column, table in (references or {}).items()
        ),
        sa.PrimaryKeyConstraint(primary_key, name=f"pk_{name}"),
        *(
            sa.UniqueConstraint(*together, name=f"uq_{name}_{'_'.join(together)}")
            for together in unique
        ),
    )
    for column in indexed:
        op.create_index(f"ix_{name}_{column}", name, [column])


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    with op.batch_alter_table(table) as batch:
        for name in names:
            batch.drop_column(name)
