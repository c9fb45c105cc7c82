"""where an interrupted reconciliation resumes its pass over the customers

The orders pass resumes from the high-water mark, committed with each page; the customers
pass has no modification filter, so the next page to read is kept instead.

Create Date: 2026-12-06
"""

from wooconnect.adapters.persistence.migrations.columns import integer
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    add_columns("connections", integer("reconcile_customers_page", nullable=True))


def downgrade() -> None:
    drop_columns("connections", "reconcile_customers_page")
