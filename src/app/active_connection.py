"""The connection a task works on: named in the task's log lines, and worked on only while it
is active (the import, live sync, reconciliation and the webhook health check leave any other
alone)."""

from __future__ import annotations

from typing import TypeGuard

from wooconnect.app.log_context import bind_log_context
from wooconnect.app.ports.persistence import UnitOfWork
from wooconnect.domain.connection import Connection, ConnectionStatus


async def load_connection(
    uow: UnitOfWork, connection_id: str, **ids: str | None
) -> Connection | None:
    """The connection (None when it is gone); its ids, and `ids`, are bound to the log
    context."""
    connection = await uow.connections.get(connection_id)
    bind_log_context(
        **ids,
        connection_id=connection_id,
        location_id=connection.location_id if connection else None,
    )
    return connection


def is_active(connection: Connection | None) -> TypeGuard[Connection]:
    """Whether the connection is there and active."""
    return connection is not None and connection.status is ConnectionStatus.ACTIVE
