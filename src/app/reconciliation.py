"""Reconciliation: reading back from the store what the webhooks missed, at little cost when
nothing was missed.

- Orders: those modified since the high-water mark (less an overlap), oldest change first,
  read so that an order changed during the run is read again instead of pushing an unread
  one onto a page already read; the mark moves with each page committed, so an interrupted
  run resumes there.
- Customers: a store lists them by no modification date. Each run reads the customers
  registered since the newest it has seen, newest first: one request when nobody registered.
  About once a day (`sweep_every`) a sweep reads every customer, by id, committing the next
  page to read with each page, so an interrupted sweep resumes there. A completed contacts
  import counts as a sweep.
- Nothing at all while the connection's import runs: the import reads the whole store anyway,
  and both would share the store's requests.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime, timedelta

from wooconnect.app.active_connection import is_active, load_connection
from wooconnect.app.applying import Applier, Known
from wooconnect.app.errors import UpstreamRejected
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import UnitOfWork, UnitOfWorkFactory
from wooconnect.app.ports.store import StoreAccess, StoreClient
from wooconnect.app.reconnect import require_reconnect
from wooconnect.domain.connection import Connection
from wooconnect.domain.jobs import ImportEntity, JobStatus
from wooconnect.domain.store import StoreCustomer, StoreOrder, StorePage

log = logging.getLogger(__name__)

# Reconciliation re-reads this much before its marks: `modified_after` is exclusive, dates
# have whole seconds, and clocks and commits are not perfectly ordered.
OVERLAP = timedelta(minutes=10)
# How often every customer is read again, for changes whose webhook was lost.
SWEEP_EVERY = timedelta(days=1)

# Applies one order from the store and says whether it repaired anything (live sync's path).
RepairOrder = Callable[[UnitOfWork, Connection, StoreOrder, Known], Awaitable[bool]]


class _Stopped(Exception):
    """The connection stopped being active during the run."""


@dataclass(frozen=True, slots=True)
class Reconciliation:
    uow: UnitOfWorkFactory
    clock: Clock
    store: StoreClient
    applier: Applier
    repair_order: RepairOrder
    _: KW_ONLY
    sweep_every: timedelta = SWEEP_EVERY

    async def run(self, connection_id: str) -> int:
        """Reconcile one connection with its store; returns the records repaired."""
        async with self.uow() as uow:
            connection = await load_connection(uow, connection_id)
            jobs = await uow.import_jobs.list_for_connection(connection_id)
        if not is_active(connection):
            return 0
        if any(not job.is_finished for job in jobs):
            log.info("reconciliation deferred: the connection's import is running")
            return 0
        imported = max(
            (
                job.started_at
                for job in jobs
                if job.entity is ImportEntity.CONTACTS
                and job.status is JobStatus.COMPLETED
                and job.started_at is not None
            ),
            default=None,
        )
        started = self.clock.now()
        repairs = 0
        try:
            if connection.sync_settings.orders:
                repairs += await self._orders(connection)
            if connection.sync_settings.contacts:
                repairs += await self._customers(connection, started, imported)
        except UpstreamRejected as exc:
            await require_reconnect(self.uow, self.clock, connection_id, exc)
            log.warning("the store refused the keys; the connection needs a reconnect: %s", exc)
            return repairs
        except _Stopped:
            return repairs
        async with self.uow() as uow:
            live = await uow.connections.get(connection_id)
            if is_active(live):
                marked = replace(live, reconciled_through=live.reconciled_through or started)
                await uow.connections.save(marked)
                await uow.commit()
        if repairs:
            log.info("reconciliation repaired %d records", repairs)
        return repairs

    async def _live(self, uow: UnitOfWork, connection_id: str) -> Connection:
        live = await uow.connections.get(connection_id)
        if not is_active(live):
            raise _Stopped
        return live

    # -- orders ------------------------------------------------------------------------------

    async def _orders(self, connection: Connection) -> int:
        """Orders modified since the high-water mark, which moves with each page."""
        repairs = 0
        since = (connection.reconciled_through or connection.created_at) - OVERLAP
        async for page in self.store.orders_changed_since(StoreAccess.of(connection), since):
            async with self.uow() as uow:
                live = await self._live(uow, connection.id)
                known = Known(live.location_id)
                await self.applier.read_orders(uow, known, page.items)
                for order in page.items:
                    repairs += await self.repair_order(uow, live, order, known)
                modified = (order.date_modified_gmt for order in page.items)
                high_water = _latest(live.reconciled_through, *modified)
                if high_water != live.reconciled_through:
                    await uow.connections.save(replace(live, reconciled_through=high_water))
                await uow.commit()
        return repairs

    # -- customers ---------------------------------------------------------------------------

    async def _customers(
        self, connection: Connection, started: datetime, imported: datetime | None
    ) -> int:
        """A sweep of every customer when one is due (or underway); else the newcomers."""
        swept = _latest(connection.customers_swept_at, imported)
        if (
            connection.reconcile_customers_page is not None
            or swept is None
            or started - swept >= self.sweep_every
        ):
            return await self._sweep(connection, started)
        since = _latest(connection.customers_seen_through, swept)
        assert since is not None
        return await self._newcomers(connection, since)

    async def _sweep(self, connection: Connection, started: datetime) -> int:
        """Every customer by id; the next page to read is committed with each page."""
        repairs = 0
        first_page = connection.reconcile_customers_page or 1
        access = StoreAccess.of(connection)
        async for page in self.store.customers(access, start_page=first_page):
            repairs += await self._apply(connection.id, page, _resume_at(page.page + 1))
        async with self.uow() as uow:
            live = await self._live(uow, connection.id)
            swept = replace(
                live,
                reconcile_customers_page=None,
                customers_swept_at=started,
                customers_seen_through=_latest(live.customers_seen_through, started),
            )
            await uow.connections.save(swept)
            await uow.commit()
        return repairs

    async def _newcomers(self, connection: Connection, since: datetime) -> int:
        """The customers registered since the newest seen (less the overlap)."""
        repairs = 0
        access = StoreAccess.of(connection)
        async for page in self.store.customers_registered_since(access, since - OVERLAP):
            registered = [c.date_created_gmt for c in page.items if c.date_created_gmt]
            progress = _seen_through(max(registered, default=since))
            repairs += await self._apply(connection.id, page, progress)
        return repairs

    async def _apply(
        self,
        connection_id: str,
        page: StorePage[StoreCustomer],
        progress: Callable[[Connection], Connection],
    ) -> int:
        """Apply one page of customers and record the `progress` it makes, together."""
        async with self.uow() as uow:
            live = await self._live(uow, connection_id)
            applied = await self.applier.apply_customers(uow, live, page.items)
            await uow.connections.save(progress(live))
            await uow.commit()
        return sum(bool(a.contact and a.contact.changed) for a in applied)


def _resume_at(page: int) -> Callable[[Connection], Connection]:
    """A sweep's progress: the page it resumes at if interrupted."""
    return lambda live: replace(live, reconcile_customers_page=page)


def _seen_through(registered: datetime) -> Callable[[Connection], Connection]:
    """The newcomers' progress: the newest registration seen."""
    return lambda live: replace(
        live, customers_seen_through=_latest(live.customers_seen_through, registered)
    )


def _latest(*instants: datetime | None) -> datetime | None:
    return max((i for i in instants if i is not None), default=None)
