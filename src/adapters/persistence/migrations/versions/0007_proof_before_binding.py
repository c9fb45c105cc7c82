"""a store is bound to an agency once it proved the connection; a pending connection expires

A connection awaiting authorization waits until `authorization_expires_at`. Bindings no proven
connection holds are released, and connections already waiting expire an hour after their
last change.

Create Date: 2026-12-07
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from wooconnect.adapters.persistence.migrations.columns import utc_datetime
from wooconnect.adapters.persistence.migrations.tables import add_columns, drop_columns
from wooconnect.adapters.persistence.types import UtcDateTime

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    add_columns("connections", utc_datetime("authorization_expires_at", nullable=True))
    op.execute(
        "DELETE FROM store_bindings WHERE NOT EXISTS (SELECT 1 FROM connections c"
        " WHERE c.agency_id = store_bindings.agency_id"
        " AND c.store_domain = store_bindings.store_domain"
        " AND c.status IN ('authorized', 'active', 'needs_reconnect'))"
    )
    when = UtcDateTime()
    connections = sa.table(
        "connections",
        sa.column("id", sa.String()),
        sa.column("status", sa.String()),
        sa.column("updated_at", when),
        sa.column("authorization_expires_at", when),
    )
    bind = op.get_bind()
    waiting = bind.execute(
        sa.select(connections.c.id, connections.c.updated_at).where(
            connections.c.status == "awaiting_authorization"
        )
    ).all()
    for connection_id, updated_at in waiting:
        bind.execute(
            connections.update()
            .where(connections.c.id == connection_id)
            .values(authorization_expires_at=updated_at + timedelta(hours=1))
        )


def downgrade() -> None:
    drop_columns("connections", "authorization_expires_at")
