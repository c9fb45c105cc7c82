"""trigger subscriptions and their deliveries

Create Date: 2026-11-27
"""

from alembic import op

from wooconnect.adapters.persistence.migrations.columns import (
    binary,
    integer,
    json,
    key,
    reference,
    string,
    text,
    utc_datetime,
)
from wooconnect.adapters.persistence.migrations.tables import create_table

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_table(
        "trigger_subscriptions",
        key(),
        reference("location_id"),
        text("url"),
        json("events"),
        text("secret_enc"),
        utc_datetime("created_at"),
        utc_datetime("deleted_at", nullable=True),
        references={"location_id": "locations"},
    )
    op.create_index(
        "ix_trigger_subscriptions_location_live",
        "trigger_subscriptions",
        ["location_id", "deleted_at"],
    )
    create_table(
        "trigger_deliveries",
        key(),
        reference("event_id"),
        reference("subscription_id"),
        string("event_type", 32),
        binary("body"),
        string("status", 16),
        integer("attempts"),
        utc_datetime("next_attempt_at", nullable=True),
        utc_datetime("last_attempt_at", nullable=True),
        integer("last_status_code", nullable=True),
        text("last_error", nullable=True),
        utc_datetime("delivered_at", nullable=True),
        utc_datetime("created_at"),
        references={"event_id": "trigger_events", "subscription_id": "trigger_subscriptions"},
        unique=[("event_id", "subscription_id")],
        indexed=["subscription_id"],
    )
    op.create_index(
        "ix_trigger_deliveries_status_next_attempt",
        "trigger_deliveries",
        ["status", "next_attempt_at"],
    )


def downgrade() -> None:
    # Each table takes its indexes along.
    op.drop_table("trigger_deliveries")
    op.drop_table("trigger_subscriptions")
