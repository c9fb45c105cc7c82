"""when reconciliation last read every customer and the newest registration seen

Between sweeps of every customer (about daily), reconciliation reads only the customers
registered since the newest one it has seen.

Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wooconnect.adapters.persistence.types

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        for name in ("customers_swept_at", "customers_seen_through"):
            batch_op.add_column(
                sa.Column(name, wooconnect.adapters.persistence.types.UtcDateTime(), nullable=True)
            )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("customers_seen_through")
        batch_op.drop_column("customers_swept_at")
