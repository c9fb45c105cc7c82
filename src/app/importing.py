"""The historical import: one job per connection and entity, page by page, checkpointed.

A job is a row before it is a message; the broker carries only its id. Every page is applied
and checkpointed in one transaction, so a killed worker resumes after the last committed page
and re-applying a page changes nothing (records are found by the store's ids, and a version
already applied changes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from app.applying import Applier
from app.errors import UpstreamRejected
from app.log_context import bind_log_context
from app.ports.basics import Clock, JobQueue
from app.ports.persistence import UnitOfWork, UnitOfWorkFactory
from app.ports.store import StoreAccess, StoreClient
from app.tasks import IMPORT_RUN
from domain.connection import Connection, ConnectionStatus
from domain.decisions import DecisionRecord
from domain.ids import new_id
from domain.jobs import ImportEntity, ImportJob, JobStatus
from domain.store import StorePage

log = logging.getLogger(__name__)


class WaitForOrders(Exception):
    """The transactions job waits until the orders job of its run has finished: refunds need
    their orders in the CRM."""


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
    """Record the jobs in this transaction; send their ids once it commits."""
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


@dataclass(frozen=True, slots=True)
class PageResult:
    done: int = 0
    skipped: int = 0
    failed: int = 0


class ImportRunner:
    """Runs one import job to its end; transient store errors propagate (the worker retries
    and the job resumes from its checkpoint), permanent ones stop it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        store: StoreClient,
        applier: Applier,
        *,
        concurrency: int | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._store = store
        self._applier = applier
        self._concurrency = concurrency

    async def run(self, job_id: str) -> None:
        async with self._uow() as uow:
            job = await uow.import_jobs.get(job_id)
            if job is None or job.is_finished:
                return
            connection = await uow.connections.get(job.connection_id)
            bind_log_context(
                job_id=job_id,
                connection_id=job.connection_id,
                location_id=connection.location_id if connection else None,
            )
            if connection is None or connection.status is not ConnectionStatus.ACTIVE:
                if job is not None and connection is not None:
                    reason = f"the connection is {connection.status.value}"
                    await uow.import_jobs.save(job.fail(reason, self._clock.now()))
                    await uow.commit()
                return
            if job.entity is ImportEntity.TRANSACTIONS:
                await self._wait_for_orders(uow, job)
            job = job.start(self._clock.now())
            await uow.import_jobs.save(job)
            await uow.commit()
        try:
            await self._pages(job, connection)
        except UpstreamRejected as exc:
            await self._rejected(job, connection, exc)

    async def _wait_for_orders(self, uow: UnitOfWork, job: ImportJob) -> None:
        siblings = await uow.import_jobs.list_for_connection(job.connection_id)
        if any(
            s.entity is ImportEntity.ORDERS
            and s.generation == job.generation
            and s.created_at == job.created_at
            and not s.is_finished
            for s in siblings
        ):
            raise WaitForOrders("the orders of this import are not all in yet")

    def _source(self, job: ImportJob, access: StoreAccess) -> AsyncIterator[StorePage[Any]]:
        start = job.cursor + 1
        if job.entity is ImportEntity.CONTACTS:
            return self._store.customers(access, start_page=start, concurrency=self._concurrency)
        if job.entity is ImportEntity.ORDERS:
            return self._store.orders(access, start_page=start, concurrency=self._concurrency)
        return self._store.refunds(access, start_page=start, concurrency=self._concurrency)

    async def _pages(self, job: ImportJob, connection: Connection) -> None:
        access = StoreAccess.of(connection)
        # The pager fetches the next pages while this loop applies the current one.
        async for page in self._source(job, access):
            checkpointed = await self._page(job, connection, page)
            if checkpointed is None:
                return
            job = checkpointed
        async with self._uow() as uow:
            current = await uow.import_jobs.get(job.id)
            if current is not None and current.status is JobStatus.RUNNING:
                await uow.import_jobs.save(current.complete(self._clock.now()))
                await uow.commit()

    async def _page(
        self, job: ImportJob, connection: Connection, page: StorePage[Any]
    ) -> ImportJob | None:
        """Apply and checkpoint one page, in one transaction; None when the job is to stop."""
        async with self._uow() as uow:
            current = await uow.import_jobs.get(job.id)
            if current is None or current.status is not JobStatus.RUNNING:
                return None  # finished elsewhere (a duplicate message): nothing more to do
            if page.page <= current.cursor:
                return current  # another run of this job (a duplicate message) committed it
            live = await uow.connections.get(connection.id)
            if live is None or live.status is not ConnectionStatus.ACTIVE:
                reason = "the connection was disconnected during the import"
                await uow.import_jobs.save(current.fail(reason, self._clock.now()))
                await uow.commit()
                return None
            result = await self._apply(uow, live, job.entity, page.items)
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
    ) -> PageResult:
        if entity is ImportEntity.TRANSACTIONS:
            found = await self._applier.apply_refunds(uow, connection, items)
            return PageResult(done=sum(found), skipped=len(found) - sum(found))
        if entity is ImportEntity.CONTACTS:
            applied = await self._applier.apply_customers(uow, connection, items)
        else:
            selection = connection.import_selection
            applied = await self._applier.apply_orders(
                uow,
                connection,
                items,
                contacts_on=selection.contacts,
                with_order=True,
                # Charges come with their orders; refunds come from the transactions job.
                with_transactions=selection.transactions,
                with_refund_lines=False,
            )
        decisions: list[DecisionRecord] = [d for a in applied for d in a.decisions]
        await uow.decisions.add_many(decisions)
        skipped = sum(a.skipped for a in applied)
        return PageResult(done=len(applied) - skipped, skipped=skipped)

    async def _rejected(
        self, job: ImportJob, connection: Connection, exc: UpstreamRejected
    ) -> None:
        """Keys revoked or store gone: stop, and ask the merchant to reconnect."""
        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.import_jobs.get(job.id)
            if current is not None and not current.is_finished:
                await uow.import_jobs.save(current.fail(exc.message, now))
            live = await uow.connections.get(connection.id)
            if live is not None and live.status in (
                ConnectionStatus.ACTIVE,
                ConnectionStatus.NEEDS_RECONNECT,
            ):
                await uow.connections.save(live.require_reconnect(exc.store_message, now))
            await uow.commit()
        log.warning("import stopped: the store refused the keys: %s", exc.message)
