"""The columns the migrations declare, one call each; NOT NULL unless said otherwise.

A migration that ran must build the same schema ever after: what a helper declares stays as it
is, and a column of another kind gets a helper of its own.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from wooconnect.adapters.persistence.types import DecimalText, UtcDateTime

# Rows are named by UUIDs, kept as their 36 characters of text.
ID = sa.String(length=36)


def key() -> sa.Column[str]:
    """The row's own `id`."""
    return sa.Column("id", ID, nullable=False)


def reference(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """The `id` of a row elsewhere (`create_table(references=…)` makes it a foreign key)."""
    return sa.Column(name, ID, nullable=nullable)


def string(
    name: str, length: int, *, nullable: bool = False, server_default: str | None = None
) -> sa.Column[str]:
    return sa.Column(
        name, sa.String(length=length), nullable=nullable, server_default=server_default
    )


def text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def boolean(name: str, *, nullable: bool = False) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=nullable)


def integer(
    name: str, *, nullable: bool = False, server_default: str | None = None
) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable, server_default=server_default)


def json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False)


def binary(name: str) -> sa.Column[bytes]:
    return sa.Column(name, sa.LargeBinary(), nullable=False)


def money(name: str) -> sa.Column[Decimal]:
    return sa.Column(name, DecimalText(), nullable=False)


def utc_datetime(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)
