"""the inbox's lone connection_id index goes: the unique (connection_id, dedupe_key) serves it

Every delivery the receiver stores writes each index of the inbox; the unique constraint's
index already answers lookups by connection.

Create Date: 2026-11-27
"""

from alembic import op

revision = "0005"
down_revision = "0004"


# Plain DDL on both databases (no batch mode): dropping an index never needs the table copied.
def upgrade() -> None:
    op.drop_index(op.f("ix_inbox_deliveries_connection_id"), table_name="inbox_deliveries")


def downgrade() -> None:
    op.create_index(
        op.f("ix_inbox_deliveries_connection_id"), "inbox_deliveries", ["connection_id"]
    )
