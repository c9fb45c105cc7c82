"""The API's request and response shapes (API.md), as msgspec Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from wooconnect.domain.connection import Connection
from wooconnect.domain.crm import Contact, Order, Transaction
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.inbox import InboxDelivery
from wooconnect.domain.jobs import ImportJob
from wooconnect.domain.tenancy import Agency, Location
from wooconnect.domain.triggers import TriggerEvent


def iso(value: datetime | None) -> str | None:
    """UTC in ISO 8601 with `Z`, as API.md writes timestamps."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class NameIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class AgencyOut(msgspec.Struct):
    id: str
    name: str
    created_at: str | None

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls(agency.id, agency.name, iso(agency.created_at))


class ApiKeyOut(msgspec.Struct):
    id: str
    key: str


class LocationOut(msgspec.Struct):
    id: str
    agency_id: str
    name: str
    created_at: str | None

    @classmethod
    def of(cls, location: Location) -> LocationOut:
        return cls(location.id, location.agency_id, location.name, iso(location.created_at))


class StoreUrlIn(msgspec.Struct, forbid_unknown_fields=True):
    store_url: str


class CredentialsIn(msgspec.Struct, forbid_unknown_fields=True):
    consumer_key: str
    consumer_secret: str


class ImportSelectionIn(msgspec.Struct, forbid_unknown_fields=True):
    contacts: bool
    orders: bool
    transactions: bool


class SyncSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    contacts: bool
    orders: bool
    transactions: bool
    order_submitted_trigger: bool
    payment_received_trigger: bool


class SyncSettingsPatch(msgspec.Struct, forbid_unknown_fields=True):
    contacts: bool | msgspec.UnsetType = msgspec.UNSET
    orders: bool | msgspec.UnsetType = msgspec.UNSET
    transactions: bool | msgspec.UnsetType = msgspec.UNSET
    order_submitted_trigger: bool | msgspec.UnsetType = msgspec.UNSET
    payment_received_trigger: bool | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict[str, bool]:
        return {
            name: value
            for name in self.__struct_fields__
            if isinstance(value := getattr(self, name), bool)
        }


class ImportSelectionOut(msgspec.Struct):
    contacts: bool
    orders: bool
    transactions: bool


class SyncSettingsOut(msgspec.Struct):
    contacts: bool
    orders: bool
    transactions: bool
    order_submitted_trigger: bool
    payment_received_trigger: bool


class ImportOut(msgspec.Struct):
    id: str
    entity: str
    status: str
    total: int
    done: int
    skipped: int
    failed: int
    started_at: str | None
    finished_at: str | None
    last_error: str | None

    @classmethod
    def of(cls, job: ImportJob) -> ImportOut:
        return cls(
            job.id,
            job.entity.value,
            job.status.value,
            job.total,
            job.done,
            job.skipped,
            job.failed,
            iso(job.started_at),
            iso(job.finished_at),
            job.last_error,
        )


class WebhooksOut(msgspec.Struct):
    registered: bool
    healthy: bool
    last_delivery_at: str | None


class ConnectionOut(msgspec.Struct):
    id: str
    location_id: str
    agency_id: str
    store_url: str
    status: str
    import_: ImportSelectionOut = msgspec.field(name="import")
    sync: SyncSettingsOut
    imports: list[ImportOut]
    webhooks: WebhooksOut
    last_error: str | None
    created_at: str | None
    updated_at: str | None
    authorize_url: str | None = None

    @classmethod
    def of(
        cls,
        connection: Connection,
        jobs: list[ImportJob],
        webhooks: WebhooksOut,
        authorize_url: str | None = None,
    ) -> ConnectionOut:
        sel = connection.import_selection
        sync = connection.sync_settings
        return cls(
            id=connection.id,
            location_id=connection.location_id,
            agency_id=connection.agency_id,
            store_url=connection.store_url.value,
            status=connection.status.value,
            import_=ImportSelectionOut(sel.contacts, sel.orders, sel.transactions),
            sync=SyncSettingsOut(
                sync.contacts,
                sync.orders,
                sync.transactions,
                sync.order_submitted_trigger,
                sync.payment_received_trigger,
            ),
            imports=[ImportOut.of(job) for job in jobs],
            webhooks=webhooks,
            last_error=connection.last_error,
            created_at=iso(connection.created_at),
            updated_at=iso(connection.updated_at),
            authorize_url=authorize_url,
        )


class ContactOut(msgspec.Struct):
    id: str
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    woocommerce_customer_id: int | None
    is_guest: bool
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, c: Contact) -> ContactOut:
        return cls(
            c.id,
            c.email,
            c.phone,
            c.first_name,
            c.last_name,
            c.woocommerce_customer_id,
            c.is_guest,
            iso(c.created_at),
            iso(c.updated_at),
        )


class OrderOut(msgspec.Struct):
    id: str
    woocommerce_order_id: int
    number: str
    contact_id: str | None
    status: str
    store_status: str
    source_subtype: str
    currency: str
    total: str
    paid_at: str | None
    deleted: bool
    created_at: str | None
    updated_at: str | None

    @classmethod
    def of(cls, o: Order) -> OrderOut:
        return cls(
            o.id,
            o.woocommerce_order_id,
            o.number,
            o.contact_id,
            o.status.value,
            o.store_status,
            o.source_subtype,
            o.currency,
            str(o.total),
            iso(o.paid_at),
            o.deleted,
            iso(o.created_at),
            iso(o.updated_at),
        )


class TransactionOut(msgspec.Struct):
    id: str
    order_id: str
    contact_id: str | None
    kind: str
    amount: str
    currency: str
    payment_method: str
    woocommerce_ref: str
    occurred_at: str | None

    @classmethod
    def of(cls, t: Transaction) -> TransactionOut:
        return cls(
            t.id,
            t.order_id,
            t.contact_id,
            t.kind.value,
            str(t.amount),
            t.currency,
            t.payment_method,
            t.woocommerce_ref,
            iso(t.occurred_at),
        )


class TriggerOut(msgspec.Struct):
    id: str
    type: str
    order_id: str
    contact_id: str | None
    created_at: str | None
    # Its deliveries to workflow subscribers in a word: no_subscribers, pending, delivered,
    # failed.
    delivery_state: str = "no_subscribers"

    @classmethod
    def of(cls, t: TriggerEvent, delivery_state: str = "no_subscribers") -> TriggerOut:
        return cls(t.id, t.type.value, t.order_id, t.contact_id, iso(t.created_at), delivery_state)


class DecisionOut(msgspec.Struct):
    id: str
    record_type: str
    record_id: str
    rule_set: str
    rule_set_version: str
    outcome: str
    decision: Any
    trace: dict[str, Any]
    created_at: str | None

    @classmethod
    def of(cls, d: DecisionRecord) -> DecisionOut:
        return cls(
            d.id,
            d.record_type,
            d.record_id,
            d.rule_set,
            d.rule_set_version,
            d.outcome,
            d.decision,
            d.trace,
            iso(d.created_at),
        )


class DeliveryOut(msgspec.Struct):
    id: str
    topic: str
    resource: str
    resource_id: int | None
    status: str
    outcome: str | None
    received_at: str | None
    processed_at: str | None

    @classmethod
    def of(cls, d: InboxDelivery) -> DeliveryOut:
        return cls(
            d.id,
            d.topic,
            d.resource,
            d.resource_id,
            d.status.value,
            d.outcome,
            iso(d.received_at),
            iso(d.processed_at),
        )


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryOut]
    next_cursor: str | None


class ContactPage(msgspec.Struct):
    items: list[ContactOut]
    next_cursor: str | None


class OrderPage(msgspec.Struct):
    items: list[OrderOut]
    next_cursor: str | None


class TransactionPage(msgspec.Struct):
    items: list[TransactionOut]
    next_cursor: str | None


class TriggerPage(msgspec.Struct):
    items: list[TriggerOut]
    next_cursor: str | None


class DecisionPage(msgspec.Struct):
    items: list[DecisionOut]
    next_cursor: str | None


class ErrorOut(msgspec.Struct, omit_defaults=True):
    error: str
    message: str
    fields: dict[str, str] | None = None
    rules: list[dict[str, str]] | None = None
