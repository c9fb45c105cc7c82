"""The operations metrics, counted by the database (shared by every process)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Result, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wooconnect.adapters.persistence.models import (
    ConnectionRow,
    ImportJobRow,
    InboxDeliveryRow,
    TriggerDeliveryRow,
    TriggerEventRow,
)
from wooconnect.app.ports.metrics import ImportProgress, Latency, OperationsSnapshot
from wooconnect.domain.inbox import DeliveryStatus

# The statuses of a delivery whose processing finished.
PROCESSED = tuple(
    status.value
    for status in (DeliveryStatus.APPLIED, DeliveryStatus.IGNORED, DeliveryStatus.FAILED)
)


def _counts(result: Result[str, int]) -> dict[str, int]:
    """`(key, count)` rows as a mapping."""
    return {str(key): int(n) for key, n in result}


class SqlOperationsMetrics:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def snapshot(self, *, recent_since: datetime | None = None) -> OperationsSnapshot:
        async with self._sessions() as session, session.begin():
            inbox = await session.execute(
                select(InboxDeliveryRow.status, func.count()).group_by(InboxDeliveryRow.status)
            )
            oldest_pending = await session.scalar(
                select(func.min(InboxDeliveryRow.received_at)).where(
                    InboxDeliveryRow.status == "pending"
                )
            )
            triggers = await session.execute(
                select(TriggerEventRow.type, func.count()).group_by(TriggerEventRow.type)
            )
            deliveries = await session.execute(
                select(TriggerDeliveryRow.status, func.count()).group_by(TriggerDeliveryRow.status)
            )
            repairs = await session.scalar(select(func.sum(ConnectionRow.reconciliation_repairs)))
            jobs = await session.execute(
                select(
                    ImportJobRow.entity,
                    ImportJobRow.status,
                    func.sum(ImportJobRow.done),
                    func.sum(ImportJobRow.total),
                    func.sum(ImportJobRow.skipped),
                    func.sum(ImportJobRow.failed),
                ).group_by(ImportJobRow.entity, ImportJobRow.status)
            )
            processing = Latency()
            if recent_since is not None:
                processing = Latency.of(await _processing_seconds(session, recent_since))
            return OperationsSnapshot(
                inbox_by_status=_counts(inbox),
                oldest_pending_received_at=oldest_pending,
                triggers_by_type=_counts(triggers),
                trigger_deliveries_by_status=_counts(deliveries),
                reconciliation_repairs=int(repairs or 0),
                imports=[
                    ImportProgress(
                        entity,
                        status,
                        int(done or 0),
                        int(total or 0),
                        int(skipped or 0),
                        int(failed or 0),
                    )
                    for entity, status, done, total, skipped, failed in jobs
                ],
                processing=processing,
            )


# The most recent deliveries the latency is computed over: enough for its percentiles, and a
# bound on what a scrape reads however busy the stores are.
LATENCY_SAMPLE = 5_000


async def _processing_seconds(session: AsyncSession, since: datetime) -> list[float]:
    """Receipt to processing of the deliveries received since `since` and processed."""
    rows = await session.execute(
        select(InboxDeliveryRow.received_at, InboxDeliveryRow.processed_at)
        .where(
            InboxDeliveryRow.status.in_(PROCESSED),
            InboxDeliveryRow.received_at >= since,
            InboxDeliveryRow.processed_at.is_not(None),
        )
        .order_by(InboxDeliveryRow.received_at.desc())
        .limit(LATENCY_SAMPLE)
    )
    return [
        max(0.0, (processed - received).total_seconds())
        for received, processed in rows
        if processed is not None
    ]
