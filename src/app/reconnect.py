"""A store that refuses our keys stops the connection until the merchant reconnects."""

from __future__ import annotations

from wooconnect.app.active_connection import is_active
from wooconnect.app.errors import UpstreamRejected
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import UnitOfWorkFactory


async def require_reconnect(
    uow_factory: UnitOfWorkFactory, clock: Clock, connection_id: str, exc: UpstreamRejected
) -> None:
    """Put an active connection into needs_reconnect with the store's message."""
    async with uow_factory() as uow:
        current = await uow.connections.get(connection_id)
        if is_active(current):
            await uow.connections.save(current.require_reconnect(exc.store_message, clock.now()))
            await uow.commit()
