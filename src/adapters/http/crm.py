"""What a location's CRM holds: contacts, orders, transactions, triggers; and decisions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import FromPath, FromQuery

from adapters.http.deps import Caller, Paging, container_of, page_params
from adapters.http.schemas import (
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
from app.errors import ValidationFailed

OUTCOMES = {"skipped", "imported", "mapped", "refused", "allowed", "fire", "no_fire"}


class CrmController(Controller):
    path = "/api/v1"
    tags = ["crm"]
    dependencies = {"paging": Provide(page_params, sync_to_thread=False)}

    @get("/locations/{location_id:str}/contacts", operation_id="listContacts")
    async def contacts(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> ContactPage:
        limit, cursor = paging
        page = await container_of(request).services.queries.contacts(
            principal, location_id, cursor, limit
        )
        return ContactPage([ContactOut.of(c) for c in page.items], page.next_cursor)

    @get("/locations/{location_id:str}/orders", operation_id="listOrders")
    async def orders(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> OrderPage:
        limit, cursor = paging
        page = await container_of(request).services.queries.orders(
            principal, location_id, cursor, limit
        )
        return OrderPage([OrderOut.of(o) for o in page.items], page.next_cursor)

    @get("/locations/{location_id:str}/transactions", operation_id="listTransactions")
    async def transactions(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> TransactionPage:
        limit, cursor = paging
        page = await container_of(request).services.queries.transactions(
            principal, location_id, cursor, limit
        )
        return TransactionPage([TransactionOut.of(t) for t in page.items], page.next_cursor)

    @get("/locations/{location_id:str}/triggers", operation_id="listTriggers")
    async def triggers(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        location_id: FromPath[str],
        paging: Paging,
    ) -> TriggerPage:
        limit, cursor = paging
        services = container_of(request).services
        page = await services.queries.triggers(principal, location_id, cursor, limit)
        states = await services.subscriptions.delivery_states([t.id for t in page.items])
        return TriggerPage(
            [TriggerOut.of(t, states[t.id].value) for t in page.items], page.next_cursor
        )

    @get(
        "/connections/{connection_id:str}/deliveries",
        operation_id="listDeliveries",
        summary="The store's webhook deliveries to this connection, newest first",
    )
    async def deliveries(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        connection_id: FromPath[str],
        paging: Paging,
    ) -> DeliveryPage:
        limit, cursor = paging
        page = await container_of(request).services.queries.deliveries(
            principal, connection_id, cursor, limit
        )
        return DeliveryPage([DeliveryOut.of(d) for d in page.items], page.next_cursor)

    @get(
        "/connections/{connection_id:str}/decisions",
        operation_id="listDecisions",
        summary="Why records were skipped or how they were mapped, with rule traces",
    )
    async def decisions(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        connection_id: FromPath[str],
        paging: Paging,
        outcome: FromQuery[str | None] = None,
    ) -> DecisionPage:
        if outcome is not None and outcome not in OUTCOMES:
            raise ValidationFailed(
                f"unknown outcome {outcome!r}", {"outcome": "one of " + ", ".join(sorted(OUTCOMES))}
            )
        limit, cursor = paging
        page = await container_of(request).services.queries.decisions(
            principal, connection_id, outcome, cursor, limit
        )
        return DecisionPage([DecisionOut.of(d) for d in page.items], page.next_cursor)
