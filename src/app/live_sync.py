"""Live sync: applying webhook deliveries and reconciliation through one idempotent path, and
recording the workflow triggers exactly once.

A delivery is processed by id from the inbox. Its effect and its new status are committed in
one transaction, so a crash repeats the whole delivery or none of it; a repeated or stale
delivery changes nothing because the domain refuses older order and contact versions (and a
payload of the version already stored yields to the store's current copy), and a trigger is
unique per (location, type, order).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, InitVar, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from wooconnect.app.active_connection import is_active, load_connection
from wooconnect.app.applying import Applier, Known, OrderApplying
from wooconnect.app.errors import UpstreamError, UpstreamUndecodable
from wooconnect.app.log_context import log_context
from wooconnect.app.policy import Policy
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import UnitOfWork, UnitOfWorkFactory
from wooconnect.app.ports.store import StoreAccess, StoreClient, WebhookCodec
from wooconnect.app.reconciliation import SWEEP_EVERY, Reconciliation
from wooconnect.domain.connection import Connection
from wooconnect.domain.crm import Contact, Order
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery
from wooconnect.domain.store import StoreOrder
from wooconnect.domain.triggers import TriggerEvent, TriggerOutcome, TriggerType

log = logging.getLogger(__name__)


class _StoreRecord(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def date_modified_gmt(self) -> datetime | None: ...


_Versioned = TypeVar("_Versioned", bound=_StoreRecord)

TriggerFanout = Callable[[UnitOfWork, TriggerEvent], Awaitable[None]]


async def no_fanout(uow: UnitOfWork, event: TriggerEvent) -> None:
    """Record only; used where no workflow subscriber is wired."""


@dataclass(frozen=True, slots=True)
class Outcome:
    status: DeliveryStatus
    note: str


def placed_since_connecting(order: StoreOrder, connection: Connection) -> bool:
    """An order placed after the store was connected is new to live sync even when the
    historical import, racing its webhook, stored it first (the trigger stays unique)."""
    placed = order.date_created_gmt
    return placed is not None and placed > connection.created_at


@dataclass(frozen=True, slots=True)
class LiveSync:
    uow: UnitOfWorkFactory
    clock: Clock
    store: StoreClient
    codec: WebhookCodec
    policy: Policy
    applier: Applier
    fanout: TriggerFanout = no_fanout
    _: KW_ONLY
    sweep_every: InitVar[timedelta] = SWEEP_EVERY
    _reconciliation: Reconciliation = field(init=False, repr=False, compare=False)

    def __post_init__(self, sweep_every: timedelta) -> None:
        reconciliation = Reconciliation(
            self.uow,
            self.clock,
            self.store,
            self.applier,
            self._repair_order,
            sweep_every=sweep_every,
        )
        object.__setattr__(self, "_reconciliation", reconciliation)

    # -- deliveries --------------------------------------------------------------------------

    async def process(self, delivery_id: str) -> None:
        async with self.uow() as uow:
            await self._process_in(uow, delivery_id)
            await uow.commit()

    async def process_many(self, delivery_ids: Sequence[str]) -> None:
        """Process the deliveries in one transaction. All or none of them are processed: when
        this raises, none is, and the caller processes each on its own. A connection's
        deliveries keep their order; connections come in the order of their ids, so that two
        batches take their locations' locks in one order."""
        async with self.uow() as uow:
            deliveries = {d.id: d for d in await uow.inbox.get_many(delivery_ids)}
            ordered = sorted(
                delivery_ids,
                key=lambda i: deliveries[i].connection_id if i in deliveries else "",
            )
            known, decoded = await self._read(
                uow, [deliveries[i] for i in ordered if i in deliveries]
            )
            for delivery_id in ordered:
                with log_context():
                    await self._process_in(uow, delivery_id, known, decoded.get(delivery_id))
            await uow.commit()

    async def _read(
        self, uow: UnitOfWork, deliveries: Sequence[InboxDelivery]
    ) -> tuple[dict[str, Known], dict[str, StoreOrder]]:
        """Read at once what the deliveries' orders touch, per connection; and the orders
        decoded on the way, by delivery id, so that processing does not decode them again."""
        decoded: dict[str, StoreOrder] = {}
        orders: dict[str, list[StoreOrder]] = {}
        for delivery in deliveries:
            resource, _, event = delivery.topic.partition(".")
            applied = resource == "order" and event != "deleted"  # as `_apply` applies them
            if delivery.status is DeliveryStatus.PENDING and applied:
                try:
                    order = decoded[delivery.id] = self.codec.order(delivery.body)
                except UpstreamUndecodable:
                    continue  # recorded as failed when its turn comes
                orders.setdefault(delivery.connection_id, []).append(order)
        known: dict[str, Known] = {}
        for connection_id, items in orders.items():
            connection = await uow.connections.get(connection_id)
            if is_active(connection):
                known[connection_id] = Known(connection.location_id)
                await self.applier.read_orders(uow, known[connection_id], items)
        return known, decoded

    async def _process_in(
        self,
        uow: UnitOfWork,
        delivery_id: str,
        known: dict[str, Known] | None = None,
        decoded: StoreOrder | None = None,
    ) -> None:
        delivery = await uow.inbox.get(delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return  # unknown, or already processed (a repeated message)
        connection = await load_connection(uow, delivery.connection_id, delivery_id=delivery_id)
        if not is_active(connection):
            state = "gone" if connection is None else connection.status.value
            outcome = Outcome(DeliveryStatus.IGNORED, f"the connection is {state}")
        else:
            batch = {} if known is None else known
            crm = batch.setdefault(connection.id, Known(connection.location_id))
            try:
                outcome = await self._apply(uow, connection, delivery, crm, decoded)
            except UpstreamUndecodable as exc:
                outcome = Outcome(DeliveryStatus.FAILED, f"unreadable payload: {exc}")
        await uow.inbox.save(
            replace(
                delivery,
                status=outcome.status,
                processed_at=self.clock.now(),
                outcome=outcome.note[:500],
            )
        )

    async def _apply(
        self,
        uow: UnitOfWork,
        connection: Connection,
        delivery: InboxDelivery,
        known: Known,
        decoded: StoreOrder | None = None,
    ) -> Outcome:
        resource, _, event = delivery.topic.partition(".")
        settings = connection.sync_settings
        if resource == "order":
            if not settings.orders:
                return Outcome(DeliveryStatus.IGNORED, "order sync is off")
            if event == "deleted":
                order_id = self.codec.deleted_id(delivery.body)
                marked = await self.applier.mark_order_deleted(uow, connection, order_id, known)
                note = "order marked deleted" if marked else "deleted order was never synced"
                return Outcome(DeliveryStatus.APPLIED if marked else DeliveryStatus.IGNORED, note)
            order = decoded if decoded is not None else self.codec.order(delivery.body)
            stored = await known.order(uow, order.id)
            order = await self._settle_tie(connection, order, stored, self.store.get_order)
            return await self.apply_order(uow, connection, order, source="live", known=known)
        if resource == "customer":
            if not settings.contacts:
                return Outcome(DeliveryStatus.IGNORED, "contact sync is off")
            if event == "deleted":
                return Outcome(DeliveryStatus.IGNORED, "customer deleted in the store; kept")
            customer = self.codec.customer(delivery.body)
            contact = await known.customer_contact(uow, customer)
            customer = await self._settle_tie(
                connection, customer, contact, self.store.get_customer
            )
            applied = await self.applier.apply_customer(uow, connection, customer, known)
            for decision in applied.decisions:
                await uow.decisions.add(decision)
            if applied.skipped:
                return Outcome(DeliveryStatus.IGNORED, applied.skipped_reason or "skipped")
            changed = applied.contact is not None and applied.contact.changed
            return Outcome(
                DeliveryStatus.APPLIED if changed else DeliveryStatus.IGNORED,
                "contact updated" if changed else "not newer than the stored contact",
            )
        return Outcome(DeliveryStatus.IGNORED, f"topic {delivery.topic!r} is not synced")

    async def _settle_tie(
        self,
        connection: Connection,
        record: _Versioned,
        stored: Order | Contact | None,
        fetch: Callable[[StoreAccess, int], Awaitable[_Versioned | None]],
    ) -> _Versioned:
        """The store's dates have whole seconds, so a payload of the version already stored
        may hold the state before or after the stored one (two changes within a second). Only
        the store can say which is current: then its own copy (`fetch`) is applied instead."""
        version = record.date_modified_gmt
        if version is None or stored is None or stored.source_modified_at != version:
            return record
        try:
            current = await fetch(StoreAccess.of(connection), record.id)
        except UpstreamError as exc:
            log.warning(
                "%s %s: the store could not settle a same-second tie: %s",
                type(record).__name__,
                record.id,
                exc,
            )
            return record
        return current or record

    async def apply_order(
        self,
        uow: UnitOfWork,
        connection: Connection,
        order: StoreOrder,
        *,
        source: str,
        known: Known | None = None,
    ) -> Outcome:
        """Apply one order from live sync or reconciliation, then its triggers."""
        if not self.applier.is_an_order(order, connection):
            return Outcome(DeliveryStatus.IGNORED, f"a {order.status} order is not an order yet")
        settings = connection.sync_settings
        how = OrderApplying(
            contacts_on=settings.contacts,
            transactions=settings.transactions,
            deleted=order.status == "trash",
        )
        applied = await self.applier.apply_order(uow, connection, order, how, known)
        result = applied.order
        if result is None or not result.changed:
            return Outcome(DeliveryStatus.IGNORED, "not newer than the stored order")
        await uow.decisions.add_many(applied.decisions)  # the status mapping
        fired = await self._triggers(
            uow,
            connection,
            order,
            result.value,
            result.previous,
            source=source,
            first_seen=result.created or placed_since_connecting(order, connection),
        )
        note = "order created" if result.created else "order updated"
        return Outcome(
            DeliveryStatus.APPLIED, note + (f"; fired {', '.join(fired)}" if fired else "")
        )

    async def _triggers(
        self,
        uow: UnitOfWork,
        connection: Connection,
        order: StoreOrder,
        stored: Order,
        previous: Order | None,
        *,
        source: str,
        first_seen: bool,
    ) -> list[str]:
        """Decide both triggers for an order live sync applied; each decision is logged with
        what came of it (fired, already fired, suppressed, not eligible). The fired ones."""
        settings = connection.sync_settings
        submitted = self.policy.order_submitted(
            order, settings, source=source, first_seen=first_seen, agency_id=connection.agency_id
        )
        was_paid = previous is not None and (
            previous.paid_at is not None
            or self.policy.is_paid_status(previous.store_status, connection.agency_id)
        )
        paid = self.policy.payment_received(
            order,
            settings,
            source=source,
            was_paid=was_paid,
            previous_status=None if previous is None else previous.store_status,
            agency_id=connection.agency_id,
        )
        fired: list[str] = []
        for kind, ruling in (
            (TriggerType.ORDER_SUBMITTED, submitted),
            (TriggerType.PAYMENT_RECEIVED, paid),
        ):
            recorded = ruling.fires and await self._record(uow, connection, stored, kind)
            outcome = TriggerOutcome.of(
                fires=ruling.fires, switched_on=ruling.switched_on, recorded=recorded
            )
            await uow.decisions.add(
                ruling.record(
                    connection_id=connection.id,
                    record_type="order",
                    record_id=str(stored.woocommerce_order_id),
                    now=self.clock.now(),
                    outcome=outcome.value,
                )
            )
            if recorded:
                fired.append(kind.value)
        return fired

    async def _record(
        self, uow: UnitOfWork, connection: Connection, order: Order, kind: TriggerType
    ) -> bool:
        """Record the trigger and hand it to the workflow subscribers; False when the order
        had it already."""
        event = TriggerEvent(
            id=new_id(),
            location_id=connection.location_id,
            connection_id=connection.id,
            type=kind,
            order_id=order.id,
            contact_id=order.contact_id,
            created_at=self.clock.now(),
        )
        if not await uow.triggers.add_if_new(event):
            return False
        await self.fanout(uow, event)
        return True

    # -- reconciliation ----------------------------------------------------------------------

    async def reconcile(self, connection_id: str) -> int:
        """Apply whatever the webhooks missed (see `app.reconciliation`); returns the repairs
        made. Nothing is done while the connection's import runs."""
        return await self._reconciliation.run(connection_id)

    async def _repair_order(
        self, uow: UnitOfWork, connection: Connection, order: StoreOrder, known: Known
    ) -> bool:
        outcome = await self.apply_order(uow, connection, order, source="reconcile", known=known)
        return outcome.status is DeliveryStatus.APPLIED
