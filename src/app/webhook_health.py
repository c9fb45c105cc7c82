"""The webhook health check: a live connection's webhooks are checked and repaired."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from wooconnect.app.active_connection import is_active
from wooconnect.app.errors import UpstreamError, UpstreamRejected
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import UnitOfWorkFactory
from wooconnect.app.reconnect import require_reconnect
from wooconnect.app.webhooks_registry import WebhookRegistrar

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookHealthCheck:
    uow: UnitOfWorkFactory
    clock: Clock
    webhooks: WebhookRegistrar

    async def heal(self, connection_id: str) -> bool | None:
        """Missing or disabled webhooks are created again. Returns whether they were healthy
        (None when the connection is not active or the store is unreachable); a store that
        refuses our keys puts the connection into needs_reconnect."""
        async with self.uow() as uow:
            connection = await uow.connections.get(connection_id)
        if not is_active(connection):
            return None
        try:
            health = await self.webhooks.ensure(connection)
        except UpstreamRejected as exc:
            await require_reconnect(self.uow, self.clock, connection_id, exc)
            return None
        except UpstreamError as exc:
            log.warning("webhook health check failed: %s", exc)
            return None
        async with self.uow() as uow:
            current = await uow.connections.get(connection_id)
            if is_active(current):
                await uow.connections.save(
                    replace(
                        current,
                        webhooks_healthy=health.healthy,
                        webhooks_checked_at=self.clock.now(),
                    )
                )
                await uow.commit()
        return health.healthy
