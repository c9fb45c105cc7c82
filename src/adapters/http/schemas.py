"""The API's request and response shapes (API.md), as msgspec Structs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Self

import msgspec

from wooconnect.app.key_grant import GrantOffer
from wooconnect.app.queries import DeliveryView, TriggerView
from wooconnect.domain.connection import (
    DEFAULT_STORE_CONCURRENCY,
    MAX_STORE_CONCURRENCY,
    MIN_STORE_CONCURRENCY,
    Connection,
)
from wooconnect.domain.jobs import ImportJob
from wooconnect.domain.timestamps import utc_text


def iso(value: datetime | None) -> str | None:
    """UTC in ISO 8601 with `Z`, as API.md writes timestamps."""
    return None if value is None else utc_text(value)


def plain(value: object) -> object:
    """A domain value as the API writes it: timestamps by `iso`, enums by value, money as a
    string; anything else as it is."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


class Projection(msgspec.Struct):
    """A response shape whose every field is the same-named attribute of a domain record, or
    the attribute `sources` names for it."""

    sources: ClassVar[dict[str, str]] = {}

    @classmethod
    def of(cls, record: object) -> Self:
        return cls(
            **{
                name: plain(getattr(record, cls.sources.get(name, name)))
                for name in cls.__struct_fields__
            }
        )


class NameIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class AgencyOut(Projection):
    id: str
    name: str
    created_at: str | None


class ApiKeyOut(msgspec.Struct):
    id: str
    key: str


class ApiKeyListedOut(Projection):
    """A key as lists show it: its first characters, never the key."""

    id: str
    prefix: str
    created_at: str | None


class ApiKeyPage(msgspec.Struct):
    items: list[ApiKeyListedOut]
    next_cursor: str | None


class LocationOut(Projection):
    id: str
    agency_id: str
    name: str
    created_at: str | None


class StoreUrlIn(msgspec.Struct, forbid_unknown_fields=True):
    store_url: str


class CredentialsIn(msgspec.Struct, forbid_unknown_fields=True):
    consumer_key: str
    consumer_secret: str


class ImportSelectionIn(msgspec.Struct, forbid_unknown_fields=True):
    contacts: bool
    orders: bool
    transactions: bool


class SyncSettingsIn(ImportSelectionIn, forbid_unknown_fields=True):
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


StoreConcurrency = Annotated[
    int,
    msgspec.Meta(
        ge=MIN_STORE_CONCURRENCY,
        le=MAX_STORE_CONCURRENCY,
        description=(
            "the most requests in flight to the store at once (fewer while it struggles: "
            "429, 503, timeouts); null: the deployment's default, WOOCONNECT_STORE_CONCURRENCY"
        ),
    ),
]


StoreConcurrencyInForce = Annotated[
    int,
    msgspec.Meta(
        ge=MIN_STORE_CONCURRENCY,
        le=MAX_STORE_CONCURRENCY,
        description=(
            "the most requests in flight to the store at once (fewer while it struggles): the "
            "connection's own, or the deployment's default, WOOCONNECT_STORE_CONCURRENCY "
            "(store_concurrency_source says which)"
        ),
    ),
]
StoreConcurrencySource = Annotated[
    Literal["connection", "default"],
    msgspec.Meta(
        description=(
            "connection: the connection set its store concurrency; default: it follows the "
            "deployment's"
        )
    ),
]


class ConnectionPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The connection's own settings; a field left out is left as it is."""

    store_concurrency: StoreConcurrency | msgspec.UnsetType | None = msgspec.UNSET


class ImportSelectionOut(Projection):
    contacts: bool
    orders: bool
    transactions: bool


class SyncSettingsOut(ImportSelectionOut):
    order_submitted_trigger: bool
    payment_received_trigger: bool


class ImportOut(Projection):
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


class KeyGrantOut(msgspec.Struct):
    """Whether the WooCommerce key grant can authorize the connection, and why not."""

    available: bool
    reason: str | None


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
    # While awaiting authorization: the store page that approves the connection (null when the
    # key grant cannot work; `key_grant` says why), and until when the connection waits.
    authorize_url: str | None = None
    key_grant: KeyGrantOut | None = None
    authorization_expires_at: str | None = None
    store_concurrency: StoreConcurrencyInForce = DEFAULT_STORE_CONCURRENCY
    store_concurrency_source: StoreConcurrencySource = "default"

    @classmethod
    def of(
        cls,
        connection: Connection,
        jobs: list[ImportJob],
        webhooks: WebhooksOut,
        grant: GrantOffer | None = None,
        *,
        store_concurrency: int = DEFAULT_STORE_CONCURRENCY,
    ) -> ConnectionOut:
        """`store_concurrency` is the one in force (the connection's own, or the default)."""
        return cls(
            id=connection.id,
            location_id=connection.location_id,
            agency_id=connection.agency_id,
            store_url=connection.store_url.value,
            status=connection.status.value,
            import_=ImportSelectionOut.of(connection.import_selection),
            sync=SyncSettingsOut.of(connection.sync_settings),
            imports=[ImportOut.of(job) for job in jobs],
            webhooks=webhooks,
            last_error=connection.last_error,
            created_at=iso(connection.created_at),
            updated_at=iso(connection.updated_at),
            authorize_url=None if grant is None else grant.authorize_url,
            key_grant=None
            if grant is None
            else KeyGrantOut(available=grant.unavailable is None, reason=grant.unavailable),
            authorization_expires_at=iso(connection.authorization_expires_at)
            if connection.is_awaiting_authorization
            else None,
            store_concurrency=store_concurrency,
            store_concurrency_source="default"
            if connection.store_concurrency is None
            else "connection",
        )


class ContactOut(Projection):
    """`registered_at` and `store_modified_at` are the store's dates of the customer (null
    for a guest); `created_at` and `updated_at` are when the CRM record was written."""

    sources: ClassVar[dict[str, str]] = {"store_modified_at": "source_modified_at"}

    id: str
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    woocommerce_customer_id: int | None
    is_guest: bool
    registered_at: str | None
    store_modified_at: str | None
    created_at: str | None
    updated_at: str | None


class OrderOut(Projection):
    """`placed_at`, `paid_at`, `completed_at` and `store_modified_at` are the store's dates of
    the order; `created_at` and `updated_at` are when the CRM record was written."""

    sources: ClassVar[dict[str, str]] = {"store_modified_at": "source_modified_at"}

    id: str
    woocommerce_order_id: int
    number: str
    contact_id: str | None
    status: str
    store_status: str
    source_subtype: str
    currency: str
    total: str
    payment_method: str
    placed_at: str | None
    paid_at: str | None
    completed_at: str | None
    store_modified_at: str | None
    deleted: bool
    created_at: str | None
    updated_at: str | None


class TransactionOut(Projection):
    id: str
    order_id: str
    contact_id: str | None
    kind: str
    amount: str
    currency: str
    payment_method: str
    woocommerce_ref: str
    occurred_at: str | None


class TriggerOut(msgspec.Struct):
    id: str
    type: str
    order_id: str
    contact_id: str | None
    created_at: str | None
    # Its deliveries to workflow subscribers in a word: no_subscribers, pending, delivered,
    # failed.
    delivery_state: str = "no_subscribers"
    # The order's number in the store (`81`), the one people know it by.
    order_number: str | None = None

    @classmethod
    def of_view(cls, view: TriggerView) -> TriggerOut:
        t = view.event
        return cls(
            t.id,
            t.type.value,
            t.order_id,
            t.contact_id,
            iso(t.created_at),
            view.delivery_state.value,
            view.order_number,
        )


class DecisionOut(Projection):
    id: str
    record_type: str
    record_id: str
    rule_set: str
    rule_set_version: str
    outcome: str
    decision: Any
    trace: dict[str, Any]
    created_at: str | None


class DeliveryOut(msgspec.Struct):
    id: str
    topic: str
    resource: str
    resource_id: int | None
    status: str
    outcome: str | None
    received_at: str | None
    processed_at: str | None
    # An order delivery's number in the store (`81`); null for customers and unreadable bodies.
    order_number: str | None

    @classmethod
    def of_view(cls, view: DeliveryView) -> DeliveryOut:
        d = view.delivery
        return cls(
            d.id,
            d.topic,
            d.resource,
            d.resource_id,
            d.status.value,
            d.outcome,
            iso(d.received_at),
            iso(d.processed_at),
            view.order_number,
        )


class AgencyPage(msgspec.Struct):
    items: list[AgencyOut]
    next_cursor: str | None


class LocationPage(msgspec.Struct):
    items: list[LocationOut]
    next_cursor: str | None


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
