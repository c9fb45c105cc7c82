"""What a location's CRM holds: contacts, orders, transactions, triggers; and, per
connection, the webhook deliveries and the decisions. Every list is paged and newest first,
with the filters its records are looked for by (`paging`)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import FromPath, QueryParameter

from wooconnect.adapters.http.deps import QUERIES, Asked, Caller, Injected, Within, listing
from wooconnect.adapters.http.guards import ApiController
from wooconnect.adapters.http.paging import choices, filters, not_empty, one_of, page_of
from wooconnect.adapters.http.schemas import (
    ContactOut,
    ContactPage,
    DecisionOut,
    DecisionPage,
    DeliveryOut,
    DeliveryPage,
    OrderOut,
    OrderPage,
    TransactionOut,
    TransactionPage,
    TriggerOut,
    TriggerPage,
)
from wooconnect.app.errors import ValidationFailed
from wooconnect.app.ports.persistence import Filters
from wooconnect.app.queries import Queries
from wooconnect.domain.crm import CrmOrderStatus, TransactionKind
from wooconnect.domain.inbox import DeliveryStatus
from wooconnect.domain.triggers import TriggerOutcome, TriggerType

# The evaluations' own outcomes, and what came of a trigger in live sync.
OUTCOMES = (
    "skipped",
    "imported",
    "mapped",
    "refused",
    "allowed",
    "fire",
    "no_fire",
    *(outcome.value for outcome in TriggerOutcome),
)
ORDER_STATUSES = tuple(s.value for s in CrmOrderStatus)
TRANSACTION_KINDS = tuple(k.value for k in TransactionKind)
TRIGGER_TYPES = tuple(t.value for t in TriggerType)
DELIVERY_STATUSES = tuple(s.value for s in DeliveryStatus)

Email = Annotated[
    str | None,
    QueryParameter(description="Only the contact with this e-mail (trimmed, in any case)"),
]
OrderStatus = Annotated[
    str | None,
    QueryParameter(
        description="Only orders in this CRM status", schema_extra=choices(*ORDER_STATUSES)
    ),
]
ContactId = Annotated[str | None, QueryParameter(description="Only those of this contact")]
OrderId = Annotated[str | None, QueryParameter(description="Only those of this CRM order")]
Kind = Annotated[
    str | None,
    QueryParameter(
        description="Only charges or only refunds", schema_extra=choices(*TRANSACTION_KINDS)
    ),
]
TriggerTypeFilter = Annotated[
    str | None,
    QueryParameter(description="Only triggers of this type", schema_extra=choices(*TRIGGER_TYPES)),
]
DeliveryStatusFilter = Annotated[
    str | None,
    QueryParameter(
        description="Only deliveries in this state", schema_extra=choices(*DELIVERY_STATUSES)
    ),
]
Outcome = Annotated[
    str | None,
    QueryParameter(
        description=(
            "Only decisions with this outcome (`skipped`: records not imported or synced; "
            "`fired`, `already_fired`, `suppressed`, `not_eligible`: what live sync made of a "
            "trigger)"
        ),
        schema_extra=choices(*OUTCOMES),
    ),
]
StoreOrderId = Annotated[
    int | None,
    QueryParameter(description="Only the decisions about this store order (its WooCommerce id)"),
]
StoreCustomerId = Annotated[
    int | None,
    QueryParameter(description="Only the decisions about this store customer (its WooCommerce id)"),
]


# What each list keeps of its records, read from its query; `listing` makes them the page the
# list is `asked` for.
def contact_filters(created: Within, updated: Within, email: Email = None) -> Filters:
    return filters(created, updated, email=not_empty("email", email))


def order_filters(
    created: Within,
    updated: Within,
    placed: Within,
    status: OrderStatus = None,
    contact_id: ContactId = None,
) -> Filters:
    status = one_of("status", status, ORDER_STATUSES)
    return filters(created, updated, placed, status=status, contact_id=contact_id)


def transaction_filters(
    occurred: Within, kind: Kind = None, order_id: OrderId = None, contact_id: ContactId = None
) -> Filters:
    kind = one_of("kind", kind, TRANSACTION_KINDS)
    return filters(occurred, kind=kind, order_id=order_id, contact_id=contact_id)


def trigger_filters(
    created: Within, type: TriggerTypeFilter = None, order_id: OrderId = None
) -> Filters:
    return filters(created, type=one_of("type", type, TRIGGER_TYPES), order_id=order_id)


def delivery_filters(received: Within, status: DeliveryStatusFilter = None) -> Filters:
    return filters(received, status=one_of("status", status, DELIVERY_STATUSES))


def decision_filters(
    created: Within,
    outcome: Outcome = None,
    woocommerce_order_id: StoreOrderId = None,
    woocommerce_customer_id: StoreCustomerId = None,
) -> Filters:
    outcome = one_of("outcome", outcome, OUTCOMES)
    about = about_store_record(woocommerce_order_id, woocommerce_customer_id)
    return filters(created, outcome=outcome, **about)


def about_store_record(order_id: int | None, customer_id: int | None) -> dict[str, str]:
    """The decisions filter on the store record they are about: its type and store id."""
    if order_id is not None and customer_id is not None:
        both = "give the store's order id or its customer id, not both"
        raise ValidationFailed(both, {"woocommerce_customer_id": both})
    if order_id is not None:
        return {"record_type": "order", "record_id": str(order_id)}
    if customer_id is not None:
        return {"record_type": "customer", "record_id": str(customer_id)}
    return {}


class CrmController(ApiController):
    tags = ["crm"]
    dependencies = QUERIES

    @get(
        "/locations/{location_id:str}/contacts",
        operation_id="listContacts",
        summary="The location's contacts, newest first",
        dependencies=listing(contact_filters),
    )
    async def contacts(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        asked: Asked,
    ) -> ContactPage:
        page = await queries.contacts(principal, location_id, asked)
        return page_of(ContactPage, ContactOut.of, page)

    @get(
        "/locations/{location_id:str}/orders",
        operation_id="listOrders",
        summary="The location's orders, newest first",
        dependencies=listing(order_filters),
    )
    async def orders(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        asked: Asked,
    ) -> OrderPage:
        page = await queries.orders(principal, location_id, asked)
        return page_of(OrderPage, OrderOut.of, page)

    @get(
        "/locations/{location_id:str}/transactions",
        operation_id="listTransactions",
        summary="The location's charges and refunds, newest first",
        dependencies=listing(transaction_filters),
    )
    async def transactions(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        asked: Asked,
    ) -> TransactionPage:
        page = await queries.transactions(principal, location_id, asked)
        return page_of(TransactionPage, TransactionOut.of, page)

    @get(
        "/locations/{location_id:str}/triggers",
        operation_id="listTriggers",
        summary="The location's workflow trigger events, newest first",
        dependencies=listing(trigger_filters),
    )
    async def triggers(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        asked: Asked,
    ) -> TriggerPage:
        page = await queries.triggers(principal, location_id, asked)
        return page_of(TriggerPage, TriggerOut.of_view, page)

    @get(
        "/connections/{connection_id:str}/deliveries",
        operation_id="listDeliveries",
        summary="The store's webhook deliveries to this connection, newest first",
        dependencies=listing(delivery_filters),
    )
    async def deliveries(
        self,
        queries: Injected[Queries],
        principal: Caller,
        connection_id: FromPath[str],
        asked: Asked,
    ) -> DeliveryPage:
        page = await queries.deliveries(principal, connection_id, asked)
        return page_of(DeliveryPage, DeliveryOut.of_view, page)

    @get(
        "/connections/{connection_id:str}/decisions",
        operation_id="listDecisions",
        summary="Why records were skipped or how they were mapped, with rule traces, newest first",
        description=(
            "`woocommerce_order_id` or `woocommerce_customer_id` (one of the two) keeps the "
            "decisions about that store record."
        ),
        dependencies=listing(decision_filters),
    )
    async def decisions(
        self,
        queries: Injected[Queries],
        principal: Caller,
        connection_id: FromPath[str],
        asked: Asked,
    ) -> DecisionPage:
        page = await queries.decisions(principal, connection_id, asked)
        return page_of(DecisionPage, DecisionOut.of, page)
