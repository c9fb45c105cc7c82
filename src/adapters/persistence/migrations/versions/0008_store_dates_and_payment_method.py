"""the store's own dates (a customer registered, an order completed) and payment method

An order's payment method is the one its refunds share.

Create Date: 2026-12-07
"""

from wooconnect.adapters.persistence.migrations.columns import string, utc_datetime
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    add_columns("contacts", utc_datetime("registered_at", nullable=True))
    add_columns(
        "orders",
        utc_datetime("completed_at", nullable=True),
        string("payment_method", 200, server_default=""),
    )


def downgrade() -> None:
    drop_columns("orders", "payment_method", "completed_at")
    drop_columns("contacts", "registered_at")
