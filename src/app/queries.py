"""Read-only questions the API and the console ask, with the same tenancy checks as writes."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from enum import StrEnum

from wooconnect.app.auth import Principal, visible_connection, visible_location
from wooconnect.app.errors import NotFound
from wooconnect.app.key_grant import GrantOffer, KeyGrantLinks
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import Page, PageRequest, UnitOfWork, UnitOfWorkFactory
from wooconnect.app.ports.store import WebhookCodec
from wooconnect.app.visible_pages import page_query
from wooconnect.domain.connection import (
    DEFAULT_STORE_CONCURRENCY,
    Connection,
    ConnectionStatus,
)
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
    # While awaiting authorization: the store page that approves it (or why there is none).
    grant: GrantOffer | None = None
    # The most requests in flight to the store: the connection's own choice, or else the
    # deployment's default (`connection.store_concurrency` is None then).
    store_concurrency: int = DEFAULT_STORE_CONCURRENCY


class GrantOutcome(StrEnum):
    """How the merchant's visit to the store's approval page ended."""

    CONNECTED = "connected"  # approved, and the store's keys proved the connection
    DECLINED = "declined"  # the merchant declined (or cancelled the store's login)
    NOT_CONNECTED = "not_connected"  # approved, but the connection was not proven


@dataclass(frozen=True, slots=True)
class GrantReturn:
    """What the page the merchant returns to may say: the outcome, and where."""

    connection_id: str
    location_name: str
    outcome: GrantOutcome


@dataclass(frozen=True, slots=True)
class TriggerView:
    event: TriggerEvent
    delivery_state: EventDeliveryState  # its deliveries to workflow subscribers, in a word
    order_number: str | None  # the order's number in the store, the one people know it by


@dataclass(frozen=True, slots=True)
class DeliveryView:
    delivery: InboxDelivery
    order_number: str | None  # what an order delivery's body numbers it; None for the rest


def latest_per_entity(jobs: list[ImportJob]) -> list[ImportJob]:
    """The newest job of each entity, in import order: what a person wants to see."""
    newest: dict[ImportEntity, ImportJob] = {}
    for job in sorted(jobs, key=lambda j: j.id):
        newest[job.entity] = job
    order = list(ImportEntity)
    return sorted(newest.values(), key=lambda j: order.index(j.entity))


@dataclass(frozen=True, slots=True)
class ConnectionViews:
    """Reads what a person sees of a connection, as it stands now."""

    clock: Clock
    grant: KeyGrantLinks
    _: KW_ONLY
    # The deployment's, for connections without their own.
    default_store_concurrency: int = DEFAULT_STORE_CONCURRENCY

    async def read(self, uow: UnitOfWork, connection: Connection) -> ConnectionView:
        """What a person sees of `connection`, read in `uow`: the transaction that changed it
        (or read it), so that the answer shows exactly what was committed. A connection that
        waited for authorization past its time shows as expired."""
        now = self.clock.now()
        connection = connection.as_of(now)
        jobs = list(await uow.import_jobs.list_for_connection(connection.id))
        last = (await uow.inbox.list(connection.id, PageRequest(limit=1))).items
        registered = connection.status in (
            ConnectionStatus.ACTIVE,
            ConnectionStatus.NEEDS_RECONNECT,
        )
        grant = None
        if connection.is_awaiting_authorization:
            state = await uow.grants.current(connection.id, now)
            grant = self.grant.offer(connection, state)
        return ConnectionView(
            connection,
            latest_per_entity(jobs),
            registered,
            last[0].received_at if last else None,
            grant,
            connection.store_concurrency_in_force(self.default_store_concurrency),
        )


async def _trigger_views(uow: UnitOfWork, events: Page[TriggerEvent]) -> Page[TriggerView]:
    """Each event with its deliveries' state and its order's number."""
    states = await uow.trigger_deliveries.states_for_events([t.id for t in events.items])
    numbers = await uow.orders.numbers({t.order_id for t in events.items})
    return events.map(
        lambda t: TriggerView(t, summarise(states.get(t.id, ())), numbers.get(t.order_id))
    )


@dataclass(frozen=True, slots=True)
class Queries:
    uow: UnitOfWorkFactory
    views: ConnectionViews
    codec: WebhookCodec

    async def connection(self, principal: Principal, connection_id: str) -> ConnectionView:
        async with self.uow() as uow:
            connection = await visible_connection(uow, principal, connection_id)
            return await self.views.read(uow, connection)

    async def live_connection(self, principal: Principal, location_id: str) -> ConnectionView:
        """The location's connection that is not disconnected (nor expired)."""
        async with self.uow() as uow:
            await visible_location(uow, principal, location_id)
            connection = await uow.connections.live_for_location(location_id)
            view = None if connection is None else await self.views.read(uow, connection)
        if view is None or not view.connection.is_live:
            raise NotFound("this location has no live connection")
        return view

    async def grant_return(self, state: str, approved: bool) -> GrantReturn:
        """The merchant's browser is back from the store's approval page, carrying the grant
        `state` (no bearer token: the state is what shows it was handed this connection);
        NotFound for a state that was never issued."""
        async with self.uow() as uow:
            connection_id = await uow.grants.connection_of(state)
            connection = None if connection_id is None else await uow.connections.get(connection_id)
            location = (
                None if connection is None else await uow.locations.get(connection.location_id)
            )
        if connection is None or location is None:
            raise NotFound("unknown authorization")
        if not approved:
            outcome = GrantOutcome.DECLINED
        elif connection.is_proven:
            outcome = GrantOutcome.CONNECTED
        else:
            outcome = GrantOutcome.NOT_CONNECTED
        return GrantReturn(connection.id, location.name, outcome)

    # `queries.contacts(principal, location_id, page)`, and the same for the location's orders,
    # transactions and trigger events.
    contacts = page_query(visible_location, lambda uow: uow.contacts.list)
    orders = page_query(visible_location, lambda uow: uow.orders.list)
    transactions = page_query(visible_location, lambda uow: uow.transactions.list)
    triggers = page_query(visible_location, lambda uow: uow.triggers.list, _trigger_views)
    # `queries.decisions(principal, connection_id, page)`: the connection's decisions; those
    # about one record filter on its `record_type` and store id `record_id` (`("order", "15")`,
    # `("customer", "7")`).
    decisions = page_query(visible_connection, lambda uow: uow.decisions.list)
    _inbox = page_query(visible_connection, lambda uow: uow.inbox.list)

    async def deliveries(
        self, principal: Principal, connection_id: str, page: PageRequest
    ) -> Page[DeliveryView]:
        """The connection's webhook deliveries."""
        deliveries = await self._inbox(principal, connection_id, page)
        return deliveries.map(lambda d: DeliveryView(d, self._order_number(d)))

    def _order_number(self, delivery: InboxDelivery) -> str | None:
        if delivery.resource != "order":
            return None
        return self.codec.order_number(delivery.body)
