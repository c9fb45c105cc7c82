"""Repositories of import jobs, the webhook inbox, trigger events and decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.crm_repos import _insert
from wooconnect.adapters.persistence.crm_writes import CrmWrites
from wooconnect.adapters.persistence.listing import page_of_records
from wooconnect.adapters.persistence.models import (
    DecisionRow,
    ImportJobRow,
    InboxDeliveryRow,
    TriggerEventRow,
)
from wooconnect.adapters.persistence.records import RowRepository, record_of, values_of
from wooconnect.app.ports.persistence import Page, PageRequest
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery
from wooconnect.domain.jobs import ImportJob, JobStatus
from wooconnect.domain.triggers import TriggerEvent


class SqlImportJobRepository(RowRepository[ImportJob]):
    _model = ImportJobRow
    _record = ImportJob

    async def get(self, job_id: str) -> ImportJob | None:
        """The job, locked until the transaction ends on PostgreSQL: two runs of one job (a
        duplicate message) then checkpoint its pages one after the other, never both."""
        locking = self._s.get_bind().dialect.name == "postgresql"
        row = await self._s.get(
            ImportJobRow, job_id, with_for_update=locking, populate_existing=True
        )
        return None if row is None else record_of(ImportJob, row)

    async def save(self, job: ImportJob) -> None:
        row = await self._s.get(ImportJobRow, job.id)
        if row is None:
            raise LookupError(f"import job {job.id} is not stored")
        for name, value in values_of(job).items():
            setattr(row, name, value)
        await self._s.flush()

    async def list_for_connection(self, connection_id: str) -> Sequence[ImportJob]:
        rows = await self._s.scalars(
            select(ImportJobRow)
            .where(ImportJobRow.connection_id == connection_id)
            .order_by(ImportJobRow.id)
        )
        return [record_of(ImportJob, r) for r in rows]

    async def list_unfinished(self) -> Sequence[ImportJob]:
        rows = await self._s.scalars(
            select(ImportJobRow)
            .where(ImportJobRow.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
            .order_by(ImportJobRow.id)
        )
        return [record_of(ImportJob, r) for r in rows]


class SqlInboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        # The session forgets rows nothing refers to; a delivery read to be processed is
        # saved moments later, and kept here that takes no second read.
        self._held: dict[str, InboxDeliveryRow] = {}

    def forget(self) -> None:
        """Drop the rows read in the transaction that ended (they may be stale now)."""
        self._held.clear()

    async def add_if_new(self, delivery: InboxDelivery) -> bool:
        return bool(await self.add_many_if_new([delivery]))

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        """One multi-row insert; a row whose (connection, dedupe key) is taken, by a stored
        row or an earlier row of the same statement, is skipped by the conflict clause."""
        if not deliveries:
            return set()
        # On the table, not the mapped class, with the rows as parameters: a Core statement
        # compiled once and cached, which SQLAlchemy sends as multi-row VALUES ("insertmanyvalues").
        # Rows inlined into the statement, or the ORM's bulk path, cost a compilation per call.
        table = InboxDeliveryRow.__table__
        statement = (
            _insert(self._s, table)
            .on_conflict_do_nothing(index_elements=["connection_id", "dedupe_key"])
            .returning(table.c.id)
        )
        result = await self._s.execute(statement, [values_of(d) for d in deliveries])
        return set(result.scalars())

    async def get(self, delivery_id: str) -> InboxDelivery | None:
        row = await self._s.get(InboxDeliveryRow, delivery_id)
        if row is None:
            return None
        self._held[delivery_id] = row
        return record_of(InboxDelivery, row)

    async def get_many(self, delivery_ids: Sequence[str]) -> Sequence[InboxDelivery]:
        if not delivery_ids:
            return []
        rows = await self._s.scalars(
            select(InboxDeliveryRow).where(InboxDeliveryRow.id.in_(set(delivery_ids)))
        )
        found = []
        for row in rows:
            self._held[row.id] = row
            found.append(record_of(InboxDelivery, row))
        return found

    async def save(self, delivery: InboxDelivery) -> None:
        """The row changes in the session; the next flush or the commit writes it (those of
        a batch of deliveries together)."""
        row = await self._s.get(InboxDeliveryRow, delivery.id)
        if row is None:
            raise LookupError(f"delivery {delivery.id} is not stored")
        row.status = delivery.status.value
        row.enqueued_at = delivery.enqueued_at
        row.processed_at = delivery.processed_at
        row.outcome = delivery.outcome

    async def list_unsent(
        self, received_before: datetime, sent_before: datetime, limit: int
    ) -> Sequence[InboxDelivery]:
        never_sent = and_(
            InboxDeliveryRow.enqueued_at.is_(None), InboxDeliveryRow.received_at < received_before
        )
        condition = or_(never_sent, InboxDeliveryRow.enqueued_at < sent_before)
        rows = await self._s.scalars(
            select(InboxDeliveryRow)
            .where(InboxDeliveryRow.status == DeliveryStatus.PENDING.value, condition)
            .order_by(InboxDeliveryRow.received_at)
            .limit(limit)
        )
        return [record_of(InboxDelivery, r) for r in rows]

    async def list(self, connection_id: str, page: PageRequest) -> Page[InboxDelivery]:
        query = select(InboxDeliveryRow).where(InboxDeliveryRow.connection_id == connection_id)
        return await page_of_records(self._s, query, InboxDeliveryRow, InboxDelivery, page)


class SqlTriggerRepository:
    def __init__(self, session: AsyncSession, crm: CrmWrites | None = None) -> None:
        self._s = session
        self._crm = crm

    async def add_if_new(self, event: TriggerEvent) -> bool:
        if self._crm is not None:
            await self._crm.flush()  # the order it refers to may be held back
        result = await self._s.execute(
            _insert(self._s, TriggerEventRow)
            .values(**values_of(event))
            .on_conflict_do_nothing(index_elements=["location_id", "type", "order_id"])
            .returning(TriggerEventRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def list(self, location_id: str, page: PageRequest) -> Page[TriggerEvent]:
        query = select(TriggerEventRow).where(TriggerEventRow.location_id == location_id)
        return await page_of_records(self._s, query, TriggerEventRow, TriggerEvent, page)


class SqlDecisionRepository:
    """Decisions are written at the commit, all in one statement: a delivery records one per
    trigger, and a batch of deliveries many, none of which anything reads back before."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        self._unwritten: list[DecisionRecord] = []

    async def add(self, record: DecisionRecord) -> None:
        self._unwritten.append(record)

    async def add_many(self, records: Sequence[DecisionRecord]) -> None:
        self._unwritten.extend(records)

    def forget(self) -> None:
        """Drop what was not written (the transaction rolled back)."""
        self._unwritten.clear()

    async def flush(self) -> None:
        """Write what was added; before the commit, and before any read."""
        records, self._unwritten = self._unwritten, []
        if not records:
            return
        await self._s.execute(
            insert(DecisionRow.__table__),  # type: ignore[arg-type]
            [values_of(record) for record in records],
        )

    async def list(self, connection_id: str, page: PageRequest) -> Page[DecisionRecord]:
        await self.flush()
        query = select(DecisionRow).where(DecisionRow.connection_id == connection_id)
        return await page_of_records(self._s, query, DecisionRow, DecisionRecord, page)
