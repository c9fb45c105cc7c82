"""The operations metrics, counted by the database (shared by every process)."""

from __future__ import annotations

from sqlalchemy import Result, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wooconnect.adapters.persistence.models import (
    ConnectionRow,
    ImportJobRow,
    InboxDeliveryRow,
    TriggerDeliveryRow,
    TriggerEventRow,
)
from wooconnect.app.ports.metrics import ImportProgress, OperationsSnapshot


def _counts(result: Result[str, int]) -> dict[str, int]:
    """`(key, count)` rows as a mapping."""
    return {str(key): int(n) for key, n in result}


class SqlOperationsMetrics:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def snapshot(self) -> OperationsSnapshot:
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
                ).group_by(ImportJobRow.entity, ImportJobRow.status)
            )
            return OperationsSnapshot(
                inbox_by_status=_counts(inbox),
                oldest_pending_received_at=oldest_pending,
                triggers_by_type=_counts(triggers),
                trigger_deliveries_by_status=_counts(deliveries),
                reconciliation_repairs=int(repairs or 0),
                imports=[
                    ImportProgress(entity, status, int(done or 0), int(total or 0))
                    for entity, status, done, total in jobs
                ],
            )
