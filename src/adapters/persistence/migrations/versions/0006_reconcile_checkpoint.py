"""where an interrupted reconciliation resumes its pass over the customers

The orders pass resumes from the high-water mark, committed with each page; the customers
pass has no modification filter, so the next page to read is kept instead.

Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reconcile_customers_page", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("reconcile_customers_page")
