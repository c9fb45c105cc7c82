"""Read-only questions the API and the console ask, with the same tenancy checks as writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wooconnect.app.auth import Principal, visible_connection, visible_location
from wooconnect.app.errors import NotFound
from wooconnect.app.ports.persistence import (
    NO_FILTERS,
    Filters,
    Page,
    UnitOfWork,
    UnitOfWorkFactory,
)
from wooconnect.domain.connection import Connection, ConnectionStatus
from wooconnect.domain.crm import Contact, Order, Transaction
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.inbox import InboxDelivery
from wooconnect.domain.jobs import ImportEntity, ImportJob
from wooconnect.domain.subscriptions import EventDeliveryState, summarise
from wooconnect.domain.triggers import TriggerEvent


@dataclass(frozen=True, slots=True)
class ConnectionView:
    connection: Connection
    imports: list[ImportJob]
    webhooks_registered: bool
    last_delivery_at: datetime | None


@dataclass(frozen=True, slots=True)
class TriggerView:
    event: TriggerEvent
    delivery_state: EventDeliveryState  # its deliveries to workflow subscribers, in a word


def latest_per_entity(jobs: list[ImportJob]) -> list[ImportJob]:
    """The newest job of each entity, in import order: what a person wants to see."""
    newest: dict[ImportEntity, ImportJob] = {}
    for job in sorted(jobs, key=lambda j: j.id):
        newest[job.entity] = job
    order = list(ImportEntity)
    return sorted(newest.values(), key=lambda j: order.index(j.entity))


async def read_connection_view(uow: UnitOfWork, connection: Connection) -> ConnectionView:
    """What a person sees of `connection`, read in `uow`: the transaction that changed it (or
    read it), so that the answer shows exactly what was committed."""
    jobs = list(await uow.import_jobs.list_for_connection(connection.id))
    last = (await uow.inbox.list(connection.id, cursor=None, limit=1)).items
    registered = connection.status in (ConnectionStatus.ACTIVE, ConnectionStatus.NEEDS_RECONNECT)
    return ConnectionView(
        connection, latest_per_entity(jobs), registered, last[0].received_at if last else None
    )


class Queries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def connection(self, principal: Principal, connection_id: str) -> ConnectionView:
        async with self._uow() as uow:
            connection = await visible_connection(uow, principal, connection_id)
            return await read_connection_view(uow, connection)

    async def live_connection(self, principal: Principal, location_id: str) -> ConnectionView:
        """The location's connection that is not disconnected."""
        async with self._uow() as uow:
            await visible_location(uow, principal, location_id)
            connection = await uow.connections.live_for_location(location_id)
            if connection is None:
                raise NotFound("this location has no live connection")
            return await read_connection_view(uow, connection)

    async def contacts(
        self,
        principal: Principal,
        location_id: str,
        cursor: str | None,
        limit: int,
        filters: Filters = NO_FILTERS,
    ) -> Page[Contact]:
        async with self._uow() as uow:
            await visible_location(uow, principal, location_id)
            return await uow.contacts.list(location_id, cursor=cursor, limit=limit, filters=filters)

    async def orders(
        self,
        principal: Principal,
        location_id: str,
        cursor: str | None,
        limit: int,
        filters: Filters = NO_FILTERS,
    ) -> Page[Order]:
        async with self._uow() as uow:
            await visible_location(uow, principal, location_id)
            return await uow.orders.list(location_id, cursor=cursor, limit=limit, filters=filters)

    async def transactions(
        self,
        principal: Principal,
        location_id: str,
        cursor: str | None,
        limit: int,
        filters: Filters = NO_FILTERS,
    ) -> Page[Transaction]:
        async with self._uow() as uow:
            await visible_location(uow, principal, location_id)
            return await uow.transactions.list(
                location_id, cursor=cursor, limit=limit, filters=filters
            )

    async def triggers(
        self,
        principal: Principal,
        location_id: str,
        cursor: str | None,
        limit: int,
        filters: Filters = NO_FILTERS,
    ) -> Page[TriggerView]:
        async with self._uow() as uow:
            await visible_location(uow, principal, location_id)
            page = await uow.triggers.list(location_id, cursor=cursor, limit=limit, filters=filters)
            states = await uow.trigger_deliveries.states_for_events([t.id for t in page.items])
        views = [TriggerView(t, summarise(states.get(t.id, ()))) for t in page.items]
        return Page(views, page.next_cursor)

    async def decisions(
        self,
        principal: Principal,
        connection_id: str,
        cursor: str | None,
        limit: int,
        filters: Filters = NO_FILTERS,
    ) -> Page[DecisionRecord]:
        async with self._uow() as uow:
            await visible_connection(uow, principal, connection_id)
            return await uow.decisions.list(
                connection_id, cursor=cursor, limit=limit, filters=filters
            )

    async def deliveries(
        self,
        principal: Principal,
        connection_id: str,
        cursor: str | None,
        limit: int,
        filters: Filters = NO_FILTERS,
    ) -> Page[InboxDelivery]:
        """The connection's webhook deliveries."""
        async with self._uow() as uow:
            await visible_connection(uow, principal, connection_id)
            return await uow.inbox.list(connection_id, cursor=cursor, limit=limit, filters=filters)
