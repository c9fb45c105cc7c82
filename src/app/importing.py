"""The historical import: one job per connection and entity, page by page, checkpointed.

A job is a row before it is a message; the broker carries only its id. Every page is applied
and checkpointed in one transaction, so a killed worker resumes after the last committed page
and re-applying a page changes nothing (records are found by the store's ids, and a version
already applied changes nothing).

The jobs of one import run side by side, each paging on its own and resumable on its own; they
share the store's request window (the store client keeps one per store). None waits for
another: an order brings the contact it needs, and a page of refunds first brings the orders it
refunds that are not in the CRM yet (one request for all of them), so a refund is never dropped
because its order's page comes later. The orders job applies those orders again when it gets to
them, which changes nothing. Every job ends `completed` or `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from wooconnect.app.active_connection import is_active, load_connection
from wooconnect.app.applying import Applier, OrderApplying
from wooconnect.app.errors import JobQueueUnavailable, UpstreamRejected
from wooconnect.app.ports.basics import Clock, JobQueue
from wooconnect.app.ports.persistence import UnitOfWork, UnitOfWorkFactory
from wooconnect.app.ports.store import StoreAccess, StoreClient
from wooconnect.app.tasks import IMPORT_RUN
from wooconnect.domain.connection import Connection, ConnectionStatus
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.ids import new_id
from wooconnect.domain.jobs import ImportEntity, ImportJob, JobStatus
from wooconnect.domain.store import StoreOrder, StorePage, StoreRefund

log = logging.getLogger(__name__)


def entities_to_import(connection: Connection) -> list[ImportEntity]:
    """Contacts when chosen; orders when orders or transactions are chosen (a transaction
    belongs to its order); transactions (refunds) when chosen."""
    selection = connection.import_selection
    entities = []
    if selection.contacts:
        entities.append(ImportEntity.CONTACTS)
    if selection.orders or selection.transactions:
        entities.append(ImportEntity.ORDERS)
    if selection.transactions:
        entities.append(ImportEntity.TRANSACTIONS)
    return entities


async def schedule_imports(
    uow: UnitOfWork, queue: JobQueue, connection: Connection, now: Any
) -> list[ImportJob]:
    """Record the jobs in this transaction and send their ids once it commits."""
    jobs = [
        ImportJob(new_id(), connection.id, entity, connection.generation, JobStatus.QUEUED, now)
        for entity in entities_to_import(connection)
    ]
    for job in jobs:
        await uow.import_jobs.add(job)

    async def send() -> None:
        for job in jobs:
            await queue.enqueue(IMPORT_RUN, job.id)

    uow.after_commit(send)
    return jobs


def _order_applying(connection: Connection) -> OrderApplying:
    """How an import applies an order: with its contact and its charge as the selection says;
    its refunds come from the transactions job."""
    selection = connection.import_selection
    return OrderApplying(
        contacts_on=selection.contacts,
        transactions=selection.transactions,
        refund_lines=False,
    )


@dataclass(frozen=True, slots=True)
class PageResult:
    done: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class ImportRunner:
    """Runs one import job to its end; transient store errors propagate (the worker retries
    and the job resumes from its checkpoint), permanent ones stop it."""

    uow: UnitOfWorkFactory
    clock: Clock
    store: StoreClient
    applier: Applier
    queue: JobQueue

    async def run(self, job_id: str) -> None:
        """The `imports.run` task: run or resume the job. Transient store errors propagate (the
        worker runs the task again and the job resumes from its checkpoint)."""
        async with self.uow() as uow:
            job = await self._unfinished(uow, job_id)
            if job is None:
                return
            connection = await load_connection(uow, job.connection_id, job_id=job_id)
            if not is_active(connection):
                if connection is not None:
                    await self._fail(uow, job, f"the connection is {connection.status.value}")
                return
            job = job.start(self.clock.now())
            await uow.import_jobs.save(job)
            await uow.commit()
        try:
            await self._pages(job, connection)
        except UpstreamRejected as exc:
            await self._rejected(job, connection, exc)

    async def give_up(self, job_id: str, reason: str) -> None:
        """The worker gave the job's task up (its retries ran out, or a permanent error): the
        job is failed with `reason`."""
        async with self.uow() as uow:
            job = await self._unfinished(uow, job_id)
            if job is None:
                return
            await self._fail(uow, job, reason)
        log.warning("import job %s failed: %s", job_id, reason)

    @staticmethod
    async def _unfinished(uow: UnitOfWork, job_id: str) -> ImportJob | None:
        """The job, unless it is gone or finished."""
        job = await uow.import_jobs.get(job_id)
        return None if job is None or job.is_finished else job

    async def resume_unfinished(self) -> int:
        """Send every queued or running job again (a stop or a crash may have lost their
        messages); returns how many were sent. A job whose message survived runs twice, which
        a run, checkpointed page by page, tolerates."""
        async with self.uow() as uow:
            jobs = await uow.import_jobs.list_unfinished()
        sent = 0
        for job in jobs:
            try:
                await self.queue.enqueue(IMPORT_RUN, job.id)
            except JobQueueUnavailable as exc:
                log.warning("could not resume unfinished imports: %s", exc)
                break
            sent += 1
        if sent:
            log.info("resumed %d unfinished import jobs", sent)
        return sent

    async def _fail(self, uow: UnitOfWork, job: ImportJob, reason: str) -> None:
        """Fail `job` and commit."""
        await uow.import_jobs.save(job.fail(reason, self.clock.now()))
        await uow.commit()

    def _source(self, job: ImportJob, access: StoreAccess) -> AsyncIterator[StorePage[Any]]:
        # As many pages at once as the connection's store concurrency allows (`access`).
        start = job.cursor + 1
        if job.entity is ImportEntity.CONTACTS:
            return self.store.customers(access, start_page=start)
        if job.entity is ImportEntity.ORDERS:
            return self.store.orders(access, start_page=start)
        return self.store.refunds(access, start_page=start)

    async def _pages(self, job: ImportJob, connection: Connection) -> None:
        access = StoreAccess.of(connection)
        # The pager fetches the next pages while this loop applies the current one.
        async for page in self._source(job, access):
            orders: Sequence[StoreOrder] = ()
            if job.entity is ImportEntity.TRANSACTIONS and page.page > job.cursor:
                orders = await self._refunded_orders(connection, access, page.items)
            checkpointed = await self._page(job, connection, page, orders)
            if checkpointed is None:
                return
            job = checkpointed
        async with self.uow() as uow:
            current = await uow.import_jobs.get(job.id)
            if current is not None and current.status is JobStatus.RUNNING:
                await uow.import_jobs.save(current.complete(self.clock.now()))
                await uow.commit()

    async def _refunded_orders(
        self, connection: Connection, access: StoreAccess, refunds: Sequence[StoreRefund]
    ) -> list[StoreOrder]:
        """The orders these refunds belong to that the CRM does not hold yet (their page of
        the orders job has not been applied), from the store."""
        wanted = {refund.order_id for refund in refunds}
        if not wanted:
            return []
        async with self.uow() as uow:
            held = await uow.orders.find(connection.location_id, wanted)
        missing = wanted - {order.woocommerce_order_id for order in held}
        if not missing:
            return []
        return await self.store.orders_with_ids(access, missing)

    async def _page(
        self,
        job: ImportJob,
        connection: Connection,
        page: StorePage[Any],
        orders: Sequence[StoreOrder] = (),
    ) -> ImportJob | None:
        """Apply and checkpoint one page (after `orders`, when a page of refunds brought
        them), in one transaction; None when the job is to stop."""
        async with self.uow() as uow:
            current = await uow.import_jobs.get(job.id)
            if current is None or current.status is not JobStatus.RUNNING:
                return None  # finished elsewhere (a duplicate message): nothing more to do
            if page.page <= current.cursor:
                return current  # another run of this job (a duplicate message) committed it
            live = await uow.connections.get(connection.id)
            if not is_active(live):
                await self._fail(uow, current, "the connection was disconnected during the import")
                return None
            result = await self._apply(uow, live, job.entity, page.items, orders)
            checkpointed = current.checkpoint(
                page=page.page,
                total=page.total,
                done=result.done,
                skipped=result.skipped,
                failed=result.failed + len(page.errors),
            )
            await uow.import_jobs.save(checkpointed)
            await uow.commit()
        for error in page.errors:
            log.warning(
                "record %s of page %s could not be read: %s",
                error.record_id,
                page.page,
                error.reason,
            )
        return checkpointed

    async def _apply(
        self,
        uow: UnitOfWork,
        connection: Connection,
        entity: ImportEntity,
        items: Sequence[Any],
        orders: Sequence[StoreOrder] = (),
    ) -> PageResult:
        if entity is ImportEntity.TRANSACTIONS:
            if orders:
                # Their decisions are left out: the orders job logs their status mapping
                # when it gets to them.
                await self.applier.apply_orders(
                    uow, connection, orders, _order_applying(connection)
                )
            found = await self.applier.apply_refunds(uow, connection, items)
            return PageResult(done=sum(found), skipped=len(found) - sum(found))
        if entity is ImportEntity.CONTACTS:
            applied = await self.applier.apply_customers(uow, connection, items)
        else:
            how = _order_applying(connection)
            applied = await self.applier.apply_orders(uow, connection, items, how)
        decisions: list[DecisionRecord] = [d for a in applied for d in a.decisions]
        await uow.decisions.add_many(decisions)
        skipped = sum(a.skipped for a in applied)
        return PageResult(done=len(applied) - skipped, skipped=skipped)

    async def _rejected(
        self, job: ImportJob, connection: Connection, exc: UpstreamRejected
    ) -> None:
        """Keys revoked or store gone: stop, and ask the merchant to reconnect."""
        now = self.clock.now()
        async with self.uow() as uow:
            live = await uow.connections.get(connection.id)
            if live is not None and live.status in (
                ConnectionStatus.ACTIVE,
                ConnectionStatus.NEEDS_RECONNECT,
            ):
                await uow.connections.save(live.require_reconnect(exc.store_message, now))
            current = await uow.import_jobs.get(job.id)
            if current is not None and not current.is_finished:
                await self._fail(uow, current, exc.message)
            else:
                await uow.commit()
        log.warning("import stopped: the store refused the keys: %s", exc.message)
