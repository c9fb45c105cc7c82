"""the store's own dates (a customer registered, an order completed) and payment method

An order's payment method is the one its refunds share.

Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wooconnect.adapters.persistence.types

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "registered_at",
                wooconnect.adapters.persistence.types.UtcDateTime(),
                nullable=True,
            )
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "completed_at",
                wooconnect.adapters.persistence.types.UtcDateTime(),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("payment_method", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("payment_method")
        batch_op.drop_column("completed_at")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("registered_at")
