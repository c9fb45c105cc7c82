"""when reconciliation last read every customer and the newest registration seen

Between sweeps of every customer (about daily), reconciliation reads only the customers
registered since the newest one it has seen.

Create Date: 2026-12-07
"""

from wooconnect.adapters.persistence.migrations.columns import utc_datetime
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    add_columns(
        "connections",
        utc_datetime("customers_swept_at", nullable=True),
        utc_datetime("customers_seen_through", nullable=True),
    )


def downgrade() -> None:
    drop_columns("connections", "customers_seen_through", "customers_swept_at")
