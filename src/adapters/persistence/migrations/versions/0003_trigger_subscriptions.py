"""trigger subscriptions and their deliveries

Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wooconnect.adapters.persistence.types

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "trigger_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            wooconnect.adapters.persistence.types.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "deleted_at",
            wooconnect.adapters.persistence.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_trigger_subscriptions_location_id_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_subscriptions")),
    )
    with op.batch_alter_table("trigger_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trigger_subscriptions_location_live", ["location_id", "deleted_at"], unique=False
        )

    op.create_table(
        "trigger_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            wooconnect.adapters.persistence.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_attempt_at",
            wooconnect.adapters.persistence.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "delivered_at",
            wooconnect.adapters.persistence.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            wooconnect.adapters.persistence.types.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trigger_events.id"],
            name=op.f("fk_trigger_deliveries_event_id_trigger_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["trigger_subscriptions.id"],
            name=op.f("fk_trigger_deliveries_subscription_id_trigger_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_deliveries")),
        sa.UniqueConstraint(
            "event_id",
            "subscription_id",
            name=op.f("uq_trigger_deliveries_event_id_subscription_id"),
        ),
    )
    with op.batch_alter_table("trigger_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trigger_deliveries_status_next_attempt", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trigger_deliveries_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trigger_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_deliveries_subscription_id"))
        batch_op.drop_index("ix_trigger_deliveries_status_next_attempt")

    op.drop_table("trigger_deliveries")
    with op.batch_alter_table("trigger_subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_trigger_subscriptions_location_live")

    op.drop_table("trigger_subscriptions")
