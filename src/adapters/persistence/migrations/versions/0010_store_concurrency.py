"""each connection's most requests in flight to its store

NULL leaves it to the deployment's default (WOOCONNECT_STORE_CONCURRENCY).

Create Date: 2026-12-07
"""

from wooconnect.adapters.persistence.migrations.columns import integer
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    add_columns("connections", integer("store_concurrency", nullable=True))


def downgrade() -> None:
    drop_columns("connections", "store_concurrency")
