"""live sync state on connections: reconciliation high-water mark and webhook health

Create Date: 2026-11-27
"""

from wooconnect.adapters.persistence.migrations.columns import boolean, utc_datetime
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    add_columns(
        "connections",
        utc_datetime("reconciled_through", nullable=True),
        boolean("webhooks_healthy", nullable=True),
        utc_datetime("webhooks_checked_at", nullable=True),
    )


def downgrade() -> None:
    drop_columns("connections", "webhooks_checked_at", "webhooks_healthy", "reconciled_through")
