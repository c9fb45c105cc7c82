"""each connection's most requests in flight to its store

NULL leaves it to the deployment's default (WOOCONNECT_STORE_CONCURRENCY).

Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("store_concurrency", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("store_concurrency")
