"""decisions found by the record they are about (why no trigger for order #N)

Create Date: 2026-12-07
"""

from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_index(
        "ix_decisions_connection_record", "decisions", ["connection_id", "record_type", "record_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_decisions_connection_record", table_name="decisions")
