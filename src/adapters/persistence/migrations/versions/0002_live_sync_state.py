"""live sync state on connections: reconciliation high-water mark and webhook health

Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wooconnect.adapters.persistence.types

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reconciled_through",
                wooconnect.adapters.persistence.types.UtcDateTime(),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("webhooks_healthy", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "webhooks_checked_at",
                wooconnect.adapters.persistence.types.UtcDateTime(),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("webhooks_checked_at")
        batch_op.drop_column("webhooks_healthy")
        batch_op.drop_column("reconciled_through")
