"""What a location's CRM holds: contacts, orders, transactions, triggers; and decisions."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath, FromQuery

from wooconnect.adapters.http.deps import PAGING, QUERIES, Caller, Injected, Paging
from wooconnect.adapters.http.guards import API_GUARDS
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
    page_of,
)
from wooconnect.app.errors import ValidationFailed
from wooconnect.app.queries import Queries

OUTCOMES = {"skipped", "imported", "mapped", "refused", "allowed", "fire", "no_fire"}


class CrmController(Controller):
    path = "/api/v1"
    tags = ["crm"]
    guards = API_GUARDS
    dependencies = {**PAGING, **QUERIES}

    @get("/locations/{location_id:str}/contacts", operation_id="listContacts")
    async def contacts(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> ContactPage:
        limit, cursor = paging
        page = await queries.contacts(principal, location_id, cursor, limit)
        return page_of(ContactPage, ContactOut.of, page)

    @get("/locations/{location_id:str}/orders", operation_id="listOrders")
    async def orders(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> OrderPage:
        limit, cursor = paging
        page = await queries.orders(principal, location_id, cursor, limit)
        return page_of(OrderPage, OrderOut.of, page)

    @get("/locations/{location_id:str}/transactions", operation_id="listTransactions")
    async def transactions(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> TransactionPage:
        limit, cursor = paging
        page = await queries.transactions(principal, location_id, cursor, limit)
        return page_of(TransactionPage, TransactionOut.of, page)

    @get("/locations/{location_id:str}/triggers", operation_id="listTriggers")
    async def triggers(
        self,
        queries: Injected[Queries],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> TriggerPage:
        limit, cursor = paging
        page = await queries.triggers(principal, location_id, cursor, limit)
        return page_of(TriggerPage, TriggerOut.of_view, page)

    @get(
        "/connections/{connection_id:str}/deliveries",
        operation_id="listDeliveries",
        summary="The store's webhook deliveries to this connection, newest first",
    )
    async def deliveries(
        self,
        queries: Injected[Queries],
        principal: Caller,
        connection_id: FromPath[str],
        paging: Paging,
    ) -> DeliveryPage:
        limit, cursor = paging
        page = await queries.deliveries(principal, connection_id, cursor, limit)
        return page_of(DeliveryPage, DeliveryOut.of, page)

    @get(
        "/connections/{connection_id:str}/decisions",
        operation_id="listDecisions",
        summary="Why records were skipped or how they were mapped, with rule traces",
    )
    async def decisions(
        self,
        queries: Injected[Queries],
        principal: Caller,
        connection_id: FromPath[str],
        paging: Paging,
        outcome: FromQuery[str | None] = None,
    ) -> DecisionPage:
        if outcome is not None and outcome not in OUTCOMES:
            raise ValidationFailed(
                f"unknown outcome `{outcome}`", {"outcome": "one of " + ", ".join(sorted(OUTCOMES))}
            )
        limit, cursor = paging
        page = await queries.decisions(principal, connection_id, outcome, cursor, limit)
        return page_of(DecisionPage, DecisionOut.of, page)
