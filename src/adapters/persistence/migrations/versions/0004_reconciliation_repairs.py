"""count of reconciliation repairs per connection

Create Date: 2026-11-27
"""

from wooconnect.adapters.persistence.migrations.columns import integer
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    add_columns("connections", integer("reconciliation_repairs", server_default="0"))


def downgrade() -> None:
    drop_columns("connections", "reconciliation_repairs")
