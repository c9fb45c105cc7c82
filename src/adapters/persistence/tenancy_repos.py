"""Repositories of agencies, locations, API keys, connections, store bindings, grant states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.listing import page_of_records
from wooconnect.adapters.persistence.models import (
    AgencyRow,
    ApiKeyRow,
    ConnectionRow,
    GrantStateRow,
    LocationRow,
    StoreBindingRow,
)
from wooconnect.adapters.persistence.records import RowRepository, record_of, values_of
from wooconnect.adapters.persistence.violations import refused_as_conflict
from wooconnect.app.ports.basics import Cipher
from wooconnect.app.ports.persistence import Page, PageRequest
from wooconnect.domain.connection import (
    Connection,
    ConnectionStatus,
    ImportSelection,
    StoreCredentials,
    SyncSettings,
)
from wooconnect.domain.store_url import StoreUrl
from wooconnect.domain.tenancy import Agency, ApiKey, Location, StoreBinding


class SqlAgencyRepository(RowRepository[Agency]):
    _model = AgencyRow
    _record = Agency

    async def list(self, page: PageRequest) -> Page[Agency]:
        return await page_of_records(self._s, select(AgencyRow), AgencyRow, Agency, page)


class SqlLocationRepository(RowRepository[Location]):
    _model = LocationRow
    _record = Location

    async def list_for_agency(self, agency_id: str, page: PageRequest) -> Page[Location]:
        query = select(LocationRow).where(LocationRow.agency_id == agency_id)
        return await page_of_records(self._s, query, LocationRow, Location, page)


class SqlApiKeyRepository(RowRepository[ApiKey]):
    _model = ApiKeyRow
    _record = ApiKey

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        row = await self._s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash))
        return None if row is None else record_of(ApiKey, row)

    async def list_for_agency(self, agency_id: str, page: PageRequest) -> Page[ApiKey]:
        query = select(ApiKeyRow).where(ApiKeyRow.agency_id == agency_id)
        return await page_of_records(self._s, query, ApiKeyRow, ApiKey, page)


# The connection's fields that its row stores as they are, under the same names; the others
# are encrypted, flattened (the selection, the settings) or stored by their value.
_SAME_NAMED = (
    "location_id",
    "agency_id",
    "last_error",
    "generation",
    "query_string_auth",
    "reconciled_through",
    "reconcile_customers_page",
    "customers_swept_at",
    "customers_seen_through",
    "webhooks_healthy",
    "webhooks_checked_at",
    "reconciliation_repairs",
    "store_concurrency",
    "authorization_expires_at",
    "created_at",
    "updated_at",
)


class SqlConnectionRepository:
    """Connections, with credentials and webhook secrets encrypted by the cipher at rest."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._s = session
        self._cipher = cipher
        self._held: dict[str, ConnectionRow] = {}

    def forget(self) -> None:
        """Drop the rows read in the transaction that ended (they may be stale now)."""
        self._held.clear()

    async def add(self, connection: Connection) -> None:
        row = ConnectionRow(id=connection.id)
        self._fill(row, connection)
        self._s.add(row)
        with refused_as_conflict(
            "already_connected", "this location already has a live connection"
        ):
            await self._s.flush()

    async def get(self, connection_id: str) -> Connection | None:
        row = await self._s.get(ConnectionRow, connection_id)
        if row is None:
            return None
        self._held[connection_id] = row  # the session forgets rows nothing refers to
        return self._to_domain(row)

    async def save(self, connection: Connection) -> None:
        row = await self._s.get(ConnectionRow, connection.id)
        if row is None:
            raise LookupError(f"connection {connection.id} is not stored")
        self._fill(row, connection)
        await self._s.flush()

    async def live_for_location(self, location_id: str) -> Connection | None:
        row = await self._s.scalar(
            select(ConnectionRow).where(
                ConnectionRow.location_id == location_id,
                ConnectionRow.status != ConnectionStatus.DISCONNECTED.value,
            )
        )
        return None if row is None else self._to_domain(row)

    async def list_by_status(self, *statuses: ConnectionStatus) -> Sequence[Connection]:
        rows = await self._s.scalars(
            select(ConnectionRow)
            .where(ConnectionRow.status.in_([s.value for s in statuses]))
            .order_by(ConnectionRow.id)
        )
        return [self._to_domain(r) for r in rows]

    async def list_live_for_agency(self, agency_id: str) -> Sequence[Connection]:
        rows = await self._s.scalars(
            select(ConnectionRow)
            .where(
                ConnectionRow.agency_id == agency_id,
                ConnectionRow.status != ConnectionStatus.DISCONNECTED.value,
            )
            .order_by(ConnectionRow.id)
        )
        return [self._to_domain(r) for r in rows]

    def _encrypt(self, value: str | None) -> str | None:
        return None if value is None else self._cipher.encrypt(value)

    def _decrypt(self, value: str | None) -> str | None:
        return None if value is None else self._cipher.decrypt(value)

    def _fill(self, row: ConnectionRow, c: Connection) -> None:
        for name in _SAME_NAMED:
            setattr(row, name, getattr(c, name))
        row.store_url = c.store_url.value
        row.store_domain = c.store_url.domain
        row.status = c.status.value
        row.import_contacts = c.import_selection.contacts
        row.import_orders = c.import_selection.orders
        row.import_transactions = c.import_selection.transactions
        row.sync_contacts = c.sync_settings.contacts
        row.sync_orders = c.sync_settings.orders
        row.sync_transactions = c.sync_settings.transactions
        row.sync_order_submitted_trigger = c.sync_settings.order_submitted_trigger
        row.sync_payment_received_trigger = c.sync_settings.payment_received_trigger
        creds = c.credentials
        row.consumer_key_enc = None if creds is None else self._encrypt(creds.consumer_key)
        row.consumer_secret_enc = None if creds is None else self._encrypt(creds.consumer_secret)
        row.webhook_secret_enc = self._encrypt(c.webhook_secret)

    def _to_domain(self, row: ConnectionRow) -> Connection:
        credentials = None
        if row.consumer_key_enc is not None and row.consumer_secret_enc is not None:
            credentials = StoreCredentials(
                consumer_key=self._cipher.decrypt(row.consumer_key_enc),
                consumer_secret=self._cipher.decrypt(row.consumer_secret_enc),
            )
        return Connection(
            id=row.id,
            # Stored URLs were validated on the way in; http ones only where allowed then.
            store_url=StoreUrl.parse(row.store_url, allow_insecure=True),
            status=ConnectionStatus(row.status),
            import_selection=ImportSelection(
                row.import_contacts, row.import_orders, row.import_transactions
            ),
            sync_settings=SyncSettings(
                row.sync_contacts,
                row.sync_orders,
                row.sync_transactions,
                row.sync_order_submitted_trigger,
                row.sync_payment_received_trigger,
            ),
            credentials=credentials,
            webhook_secret=self._decrypt(row.webhook_secret_enc),
            **{name: getattr(row, name) for name in _SAME_NAMED},
        )


class SqlStoreBindingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, binding: StoreBinding) -> None:
        taken = "the store or the agency is already bound elsewhere"
        with refused_as_conflict("store_binding_taken", taken):
            async with self._s.begin_nested():
                self._s.add(StoreBindingRow(**values_of(binding)))

    async def for_agency(self, agency_id: str) -> StoreBinding | None:
        row = await self._s.get(StoreBindingRow, agency_id)
        return None if row is None else record_of(StoreBinding, row)

    async def for_domain(self, store_domain: str) -> StoreBinding | None:
        row = await self._s.scalar(
            select(StoreBindingRow).where(StoreBindingRow.store_domain == store_domain)
        )
        return None if row is None else record_of(StoreBinding, row)

    async def remove(self, agency_id: str) -> None:
        await self._s.execute(delete(StoreBindingRow).where(StoreBindingRow.agency_id == agency_id))


class SqlGrantStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, state: str, connection_id: str, expires_at: datetime) -> None:
        self._s.add(
            GrantStateRow(
                state=state, connection_id=connection_id, expires_at=expires_at, used_at=None
            )
        )
        await self._s.flush()

    async def consume(self, state: str, now: datetime) -> str | None:
        # One conditional UPDATE: of two concurrent callbacks with the same state, one wins.
        result = await self._s.execute(
            update(GrantStateRow)
            .where(
                GrantStateRow.state == state,
                GrantStateRow.used_at.is_(None),
                GrantStateRow.expires_at > now,
            )
            .values(used_at=now)
            .returning(GrantStateRow.connection_id)
        )
        return result.scalar_one_or_none()

    async def current(self, connection_id: str, now: datetime) -> str | None:
        return await self._s.scalar(
            select(GrantStateRow.state)
            .where(
                GrantStateRow.connection_id == connection_id,
                GrantStateRow.used_at.is_(None),
                GrantStateRow.expires_at > now,
            )
            .order_by(GrantStateRow.expires_at.desc())
            .limit(1)
        )

    async def connection_of(self, state: str) -> str | None:
        return await self._s.scalar(
            select(GrantStateRow.connection_id).where(GrantStateRow.state == state)
        )
