"""When each active connection is reconciled with its store (and its webhooks checked)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from wooconnect.app.active_connection import is_active
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import UnitOfWorkFactory
from wooconnect.domain.connection import ConnectionStatus


@dataclass(frozen=True, slots=True)
class ReconciliationSchedule:
    """A connection's last check is `webhooks_checked_at` (set when its reconciliation is
    scheduled and again by the health check that follows it)."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def due(self, interval_s: int) -> list[str]:
        """Active connections whose reconciliation is due. Each connection's slot is offset by
        a share of the interval derived from its id, so a thousand connections activated
        together do not all reconcile in the same second.

        A connection whose import has not finished is never due: the import reads the whole
        store anyway, and both would share the store's requests. Its reconciliation is due as
        soon as the import ends, if its slot passed meanwhile."""
        now = self.clock.now()
        async with self.uow() as uow:
            active = await uow.connections.list_by_status(ConnectionStatus.ACTIVE)
            importing = {job.connection_id for job in await uow.import_jobs.list_unfinished()}
        due = []
        for connection in active:
            if connection.id in importing:
                continue
            last = connection.webhooks_checked_at or connection.created_at
            offset = (int(connection.id.replace("-", "")[-8:], 16) % 1000) / 1000 * interval_s
            if connection.webhooks_checked_at is None:
                if now >= last + timedelta(seconds=offset):
                    due.append(connection.id)
            elif now >= last + timedelta(seconds=interval_s):
                due.append(connection.id)
        return due

    async def mark_scheduled(self, connection_id: str) -> None:
        """Claim this slot so the next scheduler tick does not enqueue the connection again."""
        async with self.uow() as uow:
            current = await uow.connections.get(connection_id)
            if is_active(current):
                await uow.connections.save(replace(current, webhooks_checked_at=self.clock.now()))
                await uow.commit()
