"""initial schema

Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from wooconnect.adapters.persistence.migrations.columns import (
    binary,
    boolean,
    integer,
    json,
    key,
    money,
    reference,
    string,
    text,
    utc_datetime,
)
from wooconnect.adapters.persistence.migrations.tables import create_table

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_table(
        "agencies",
        key(),
        string("name", 200),
        utc_datetime("created_at"),
    )
    create_table(
        "api_keys",
        key(),
        reference("agency_id"),
        string("key_hash", 64),
        string("prefix", 20),
        utc_datetime("created_at"),
        references={"agency_id": "agencies"},
        unique=[("key_hash",)],
        indexed=["agency_id"],
    )
    create_table(
        "locations",
        key(),
        reference("agency_id"),
        string("name", 200),
        utc_datetime("created_at"),
        references={"agency_id": "agencies"},
        indexed=["agency_id"],
    )
    create_table(
        "store_bindings",
        reference("agency_id"),
        string("store_domain", 500),
        utc_datetime("created_at"),
        primary_key="agency_id",
        references={"agency_id": "agencies"},
        unique=[("store_domain",)],
    )
    create_table(
        "connections",
        key(),
        reference("location_id"),
        reference("agency_id"),
        text("store_url"),
        string("store_domain", 500),
        string("status", 32),
        boolean("import_contacts"),
        boolean("import_orders"),
        boolean("import_transactions"),
        boolean("sync_contacts"),
        boolean("sync_orders"),
        boolean("sync_transactions"),
        boolean("sync_order_submitted_trigger"),
        boolean("sync_payment_received_trigger"),
        text("consumer_key_enc", nullable=True),
        text("consumer_secret_enc", nullable=True),
        text("webhook_secret_enc", nullable=True),
        text("last_error", nullable=True),
        integer("generation"),
        boolean("query_string_auth"),
        utc_datetime("created_at"),
        utc_datetime("updated_at"),
        references={"agency_id": "agencies", "location_id": "locations"},
        indexed=["agency_id", "location_id", "status", "store_domain"],
    )
    op.create_index(
        "uq_connections_live_location",
        "connections",
        ["location_id"],
        unique=True,
        sqlite_where=sa.text("status != 'disconnected'"),
        postgresql_where=sa.text("status != 'disconnected'"),
    )
    create_table(
        "contacts",
        key(),
        reference("location_id"),
        integer("woocommerce_customer_id", nullable=True),
        string("email", 320, nullable=True),
        string("email_normalized", 320, nullable=True),
        string("phone", 64, nullable=True),
        string("phone_normalized", 64, nullable=True),
        string("first_name", 200),
        string("last_name", 200),
        boolean("is_guest"),
        utc_datetime("source_modified_at", nullable=True),
        utc_datetime("created_at"),
        utc_datetime("updated_at"),
        references={"location_id": "locations"},
        unique=[("location_id", "email_normalized"), ("location_id", "woocommerce_customer_id")],
        indexed=["location_id"],
    )
    op.create_index("ix_contacts_location_phone", "contacts", ["location_id", "phone_normalized"])
    create_table(
        "decisions",
        key(),
        reference("connection_id"),
        string("record_type", 32),
        string("record_id", 64),
        string("rule_set", 64),
        string("rule_set_version", 64),
        string("outcome", 32),
        json("decision"),
        json("trace"),
        utc_datetime("created_at"),
        references={"connection_id": "connections"},
        indexed=["connection_id"],
    )
    op.create_index("ix_decisions_connection_outcome", "decisions", ["connection_id", "outcome"])
    create_table(
        "grant_states",
        string("state", 100),
        reference("connection_id"),
        utc_datetime("expires_at"),
        utc_datetime("used_at", nullable=True),
        primary_key="state",
        references={"connection_id": "connections"},
        indexed=["connection_id"],
    )
    create_table(
        "import_jobs",
        key(),
        reference("connection_id"),
        string("entity", 16),
        integer("generation"),
        string("status", 16),
        integer("cursor"),
        integer("total"),
        integer("done"),
        integer("skipped"),
        integer("failed"),
        utc_datetime("started_at", nullable=True),
        utc_datetime("finished_at", nullable=True),
        text("last_error", nullable=True),
        utc_datetime("created_at"),
        references={"connection_id": "connections"},
        indexed=["connection_id", "status"],
    )
    create_table(
        "inbox_deliveries",
        key(),
        reference("connection_id"),
        string("dedupe_key", 200),
        string("topic", 64),
        string("resource", 32),
        integer("resource_id", nullable=True),
        utc_datetime("date_modified_gmt", nullable=True),
        binary("body"),
        utc_datetime("received_at"),
        string("status", 16),
        utc_datetime("enqueued_at", nullable=True),
        utc_datetime("processed_at", nullable=True),
        text("outcome", nullable=True),
        integer("webhook_id", nullable=True),
        string("delivery_id", 64, nullable=True),
        references={"connection_id": "connections"},
        unique=[("connection_id", "dedupe_key")],
        indexed=["connection_id"],
    )
    op.create_index(
        "ix_inbox_deliveries_status_received", "inbox_deliveries", ["status", "received_at"]
    )
    create_table(
        "orders",
        key(),
        reference("location_id"),
        integer("woocommerce_order_id"),
        string("number", 64),
        reference("contact_id", nullable=True),
        string("status", 16),
        string("store_status", 64),
        string("currency", 8),
        money("total"),
        utc_datetime("paid_at", nullable=True),
        utc_datetime("placed_at", nullable=True),
        utc_datetime("source_modified_at", nullable=True),
        boolean("deleted"),
        string("source_subtype", 32),
        utc_datetime("created_at"),
        utc_datetime("updated_at"),
        references={"contact_id": "contacts", "location_id": "locations"},
        unique=[("location_id", "woocommerce_order_id")],
        indexed=["contact_id", "location_id"],
    )
    create_table(
        "transactions",
        key(),
        reference("location_id"),
        string("woocommerce_ref", 64),
        reference("order_id"),
        reference("contact_id", nullable=True),
        string("kind", 16),
        money("amount"),
        string("currency", 8),
        string("payment_method", 200),
        utc_datetime("occurred_at", nullable=True),
        utc_datetime("created_at"),
        references={"contact_id": "contacts", "location_id": "locations", "order_id": "orders"},
        unique=[("location_id", "woocommerce_ref")],
        indexed=["location_id", "order_id"],
    )
    create_table(
        "trigger_events",
        key(),
        reference("location_id"),
        reference("connection_id"),
        string("type", 32),
        reference("order_id"),
        reference("contact_id", nullable=True),
        utc_datetime("created_at"),
        references={
            "connection_id": "connections",
            "contact_id": "contacts",
            "location_id": "locations",
            "order_id": "orders",
        },
        unique=[("location_id", "type", "order_id")],
        indexed=["connection_id", "location_id"],
    )


def downgrade() -> None:
    # Each table takes its indexes along.
    for table in (
        "trigger_events",
        "transactions",
        "orders",
        "inbox_deliveries",
        "import_jobs",
        "grant_states",
        "decisions",
        "contacts",
        "connections",
        "store_bindings",
        "locations",
        "api_keys",
        "agencies",
    ):
        op.drop_table(table)
