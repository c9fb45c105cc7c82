"""The tables. Alembic migrations in `migrations/` create them; these mirror the latest head."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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


ID = String(36)


class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LocationRow(Base):
    __tablename__ = "locations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


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
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    store_url: Mapped[str] = mapped_column(Text)
    store_domain: Mapped[str] = mapped_column(String(500), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    import_contacts: Mapped[bool] = mapped_column(Boolean)
    import_orders: Mapped[bool] = mapped_column(Boolean)
    import_transactions: Mapped[bool] = mapped_column(Boolean)
    sync_contacts: Mapped[bool] = mapped_column(Boolean)
    sync_orders: Mapped[bool] = mapped_column(Boolean)
    sync_transactions: Mapped[bool] = mapped_column(Boolean)
    sync_order_submitted_trigger: Mapped[bool] = mapped_column(Boolean)
    sync_payment_received_trigger: Mapped[bool] = mapped_column(Boolean)
    consumer_key_enc: Mapped[str | None] = mapped_column(Text)
    consumer_secret_enc: Mapped[str | None] = mapped_column(Text)
    webhook_secret_enc: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    generation: Mapped[int] = mapped_column(Integer)
    query_string_auth: Mapped[bool] = mapped_column(Boolean)
    reconciled_through: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reconcile_customers_page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    webhooks_healthy: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    webhooks_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reconciliation_repairs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    authorization_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StoreBindingRow(Base):
    """One row per agency, one per domain: the connection criteria's last line of defence."""

    __tablename__ = "store_bindings"
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    store_domain: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("location_id", "woocommerce_customer_id"),
        UniqueConstraint("location_id", "email_normalized"),
        Index("ix_contacts_location_phone", "location_id", "phone_normalized"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    woocommerce_customer_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(320))
    email_normalized: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_normalized: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    is_guest: Mapped[bool] = mapped_column(Boolean)
    source_modified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("location_id", "woocommerce_order_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    woocommerce_order_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    store_status: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(8))
    total: Mapped[Decimal] = mapped_column(DecimalText)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    placed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    source_modified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    payment_method: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source_subtype: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TransactionRow(Base):
    __tablename__ = "transactions"
    __table_args__ = (UniqueConstraint("location_id", "woocommerce_ref"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    woocommerce_ref: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(String(8))
    payment_method: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ImportJobRow(Base):
    __tablename__ = "import_jobs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    entity: Mapped[str] = mapped_column(String(16))
    generation: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    cursor: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InboxDeliveryRow(Base):
    __tablename__ = "inbox_deliveries"
    __table_args__ = (
        UniqueConstraint("connection_id", "dedupe_key"),
        Index("ix_inbox_deliveries_status_received", "status", "received_at"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    # No index of its own: the unique (connection_id, dedupe_key) serves lookups by connection.
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[int | None] = mapped_column(Integer)
    date_modified_gmt: Mapped[datetime | None] = mapped_column(UtcDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    delivery_id: Mapped[str | None] = mapped_column(String(64))


class TriggerEventRow(Base):
    __tablename__ = "trigger_events"
    __table_args__ = (UniqueConstraint("location_id", "type", "order_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_connection_outcome", "connection_id", "outcome"),
        # "Why no trigger for order #N": a record's decisions, by its type and store id.
        Index("ix_decisions_connection_record", "connection_id", "record_type", "record_id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    decision: Mapped[Any] = mapped_column(JSON)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GrantStateRow(Base):
    __tablename__ = "grant_states"
    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TriggerSubscriptionRow(Base):
    __tablename__ = "trigger_subscriptions"
    __table_args__ = (Index("ix_trigger_subscriptions_location_live", "location_id", "deleted_at"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"))
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    secret_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TriggerDeliveryRow(Base):
    __tablename__ = "trigger_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_trigger_deliveries_status_next_attempt", "status", "next_attempt_at"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("trigger_events.id"))
    subscription_id: Mapped[str] = mapped_column(ForeignKey("trigger_subscriptions.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
