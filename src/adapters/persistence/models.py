"""The tables. Alembic migrations in `migrations/` create them; these mirror the latest head."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wooconnect.adapters.persistence.types import DecimalText, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # A `str` column without a length of its own is unbounded text; int, bool and bytes keep
    # SQLAlchemy's defaults (INTEGER, BOOLEAN, BLOB / BYTEA).
    type_annotation_map = {datetime: UtcDateTime(), Decimal: DecimalText(), str: Text()}


Key = Annotated[str, mapped_column(String(36), primary_key=True)]
# Rows belong to a tenant or a connection; each is looked up by it, hence the index.
AgencyRef = Annotated[str, mapped_column(ForeignKey("agencies.id"), index=True)]
LocationRef = Annotated[str, mapped_column(ForeignKey("locations.id"), index=True)]
ConnectionRef = Annotated[str, mapped_column(ForeignKey("connections.id"), index=True)]


class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[Key]
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class LocationRow(Base):
    __tablename__ = "locations"
    id: Mapped[Key]
    agency_id: Mapped[AgencyRef]
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[Key]
    agency_id: Mapped[AgencyRef]
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class ConnectionRow(Base):
    __tablename__ = "connections"
    __table_args__ = (
        # One live connection per location, enforced by the database.
        Index(
            "uq_connections_live_location",
            "location_id",
            unique=True,
            sqlite_where=text("status != 'disconnected'"),
            postgresql_where=text("status != 'disconnected'"),
        ),
    )
    id: Mapped[Key]
    location_id: Mapped[LocationRef]
    agency_id: Mapped[AgencyRef]
    store_url: Mapped[str]
    store_domain: Mapped[str] = mapped_column(String(500), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    import_contacts: Mapped[bool]
    import_orders: Mapped[bool]
    import_transactions: Mapped[bool]
    sync_contacts: Mapped[bool]
    sync_orders: Mapped[bool]
    sync_transactions: Mapped[bool]
    sync_order_submitted_trigger: Mapped[bool]
    sync_payment_received_trigger: Mapped[bool]
    consumer_key_enc: Mapped[str | None]
    consumer_secret_enc: Mapped[str | None]
    webhook_secret_enc: Mapped[str | None]
    last_error: Mapped[str | None]
    generation: Mapped[int]
    query_string_auth: Mapped[bool]
    reconciled_through: Mapped[datetime | None]
    reconcile_customers_page: Mapped[int | None]
    customers_swept_at: Mapped[datetime | None]
    customers_seen_through: Mapped[datetime | None]
    webhooks_healthy: Mapped[bool | None]
    webhooks_checked_at: Mapped[datetime | None]
    reconciliation_repairs: Mapped[int] = mapped_column(default=0, server_default="0")
    store_concurrency: Mapped[int | None]
    authorization_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StoreBindingRow(Base):
    """One row per agency, one per domain: the connection criteria's last line of defence."""

    __tablename__ = "store_bindings"
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    store_domain: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime]


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("location_id", "woocommerce_customer_id"),
        UniqueConstraint("location_id", "email_normalized"),
        Index("ix_contacts_location_phone", "location_id", "phone_normalized"),
    )
    id: Mapped[Key]
    location_id: Mapped[LocationRef]
    woocommerce_customer_id: Mapped[int | None]
    email: Mapped[str | None] = mapped_column(String(320))
    email_normalized: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_normalized: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    is_guest: Mapped[bool]
    source_modified_at: Mapped[datetime | None]
    registered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("location_id", "woocommerce_order_id"),)
    id: Mapped[Key]
    location_id: Mapped[LocationRef]
    woocommerce_order_id: Mapped[int]
    number: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    store_status: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(8))
    total: Mapped[Decimal]
    paid_at: Mapped[datetime | None]
    placed_at: Mapped[datetime | None]
    source_modified_at: Mapped[datetime | None]
    deleted: Mapped[bool]
    completed_at: Mapped[datetime | None]
    payment_method: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source_subtype: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TransactionRow(Base):
    __tablename__ = "transactions"
    __table_args__ = (UniqueConstraint("location_id", "woocommerce_ref"),)
    id: Mapped[Key]
    location_id: Mapped[LocationRef]
    woocommerce_ref: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(8))
    payment_method: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ImportJobRow(Base):
    __tablename__ = "import_jobs"
    id: Mapped[Key]
    connection_id: Mapped[ConnectionRef]
    entity: Mapped[str] = mapped_column(String(16))
    generation: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), index=True)
    cursor: Mapped[int]
    total: Mapped[int]
    done: Mapped[int]
    skipped: Mapped[int]
    failed: Mapped[int]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    created_at: Mapped[datetime]


class InboxDeliveryRow(Base):
    __tablename__ = "inbox_deliveries"
    __table_args__ = (
        UniqueConstraint("connection_id", "dedupe_key"),
        Index("ix_inbox_deliveries_status_received", "status", "received_at"),
    )
    id: Mapped[Key]
    # No index of its own: the unique (connection_id, dedupe_key) serves lookups by connection.
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[int | None]
    date_modified_gmt: Mapped[datetime | None]
    body: Mapped[bytes]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    enqueued_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    outcome: Mapped[str | None]
    webhook_id: Mapped[int | None]
    delivery_id: Mapped[str | None] = mapped_column(String(64))


class TriggerEventRow(Base):
    __tablename__ = "trigger_events"
    __table_args__ = (UniqueConstraint("location_id", "type", "order_id"),)
    id: Mapped[Key]
    location_id: Mapped[LocationRef]
    connection_id: Mapped[ConnectionRef]
    type: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime]


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_connection_outcome", "connection_id", "outcome"),
        # "Why no trigger for order #N": a record's decisions, by its type and store id.
        Index("ix_decisions_connection_record", "connection_id", "record_type", "record_id"),
    )
    id: Mapped[Key]
    connection_id: Mapped[ConnectionRef]
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    decision: Mapped[Any] = mapped_column(JSON)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class GrantStateRow(Base):
    __tablename__ = "grant_states"
    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    connection_id: Mapped[ConnectionRef]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TriggerSubscriptionRow(Base):
    __tablename__ = "trigger_subscriptions"
    __table_args__ = (Index("ix_trigger_subscriptions_location_live", "location_id", "deleted_at"),)
    id: Mapped[Key]
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"))
    url: Mapped[str]
    events: Mapped[list[str]] = mapped_column(JSON)
    secret_enc: Mapped[str]
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class TriggerDeliveryRow(Base):
    __tablename__ = "trigger_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_trigger_deliveries_status_next_attempt", "status", "next_attempt_at"),
    )
    id: Mapped[Key]
    event_id: Mapped[str] = mapped_column(ForeignKey("trigger_events.id"))
    subscription_id: Mapped[str] = mapped_column(ForeignKey("trigger_subscriptions.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    body: Mapped[bytes]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
