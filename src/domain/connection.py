"""A connection between one location and one WooCommerce store, and its lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from wooconnect.domain.errors import IllegalTransition
from wooconnect.domain.store_url import StoreUrl


class ConnectionStatus(StrEnum):
    AWAITING_AUTHORIZATION = "awaiting_authorization"
    AUTHORIZED = "authorized"
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


_S = ConnectionStatus
# awaiting_authorization -> authorized -> active <-> needs_reconnect -> disconnected;
# new credentials may be given again before activation, and any live state may disconnect.
ALLOWED_TRANSITIONS: dict[ConnectionStatus, frozenset[ConnectionStatus]] = {
    _S.AWAITING_AUTHORIZATION: frozenset({_S.AUTHORIZED, _S.DISCONNECTED}),
    _S.AUTHORIZED: frozenset({_S.AUTHORIZED, _S.ACTIVE, _S.DISCONNECTED}),
    _S.ACTIVE: frozenset({_S.NEEDS_RECONNECT, _S.DISCONNECTED}),
    _S.NEEDS_RECONNECT: frozenset({_S.ACTIVE, _S.DISCONNECTED}),
    _S.DISCONNECTED: frozenset(),
}
# The states in which the store has proven the connection: it accepted the keys we hold (a key
# grant completed, or keys typed in that the store took). Only these bind a store to an agency.
PROVEN: frozenset[ConnectionStatus] = frozenset({_S.AUTHORIZED, _S.ACTIVE, _S.NEEDS_RECONNECT})
AUTHORIZATION_EXPIRED = "the store did not authorize the connection in time; start again"


@dataclass(frozen=True, slots=True)
class ImportSelection:
    """What to import once (step 2 of the wizard)."""

    contacts: bool = True
    orders: bool = True
    transactions: bool = True


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """What to keep in sync from now on (step 3 of the wizard); each item can be toggled later."""

    contacts: bool = True
    orders: bool = True
    transactions: bool = True
    order_submitted_trigger: bool = True
    payment_received_trigger: bool = True


@dataclass(frozen=True, slots=True)
class StoreCredentials:
    """A WooCommerce REST key pair. The secret never appears in a repr or a log line."""

    consumer_key: str
    consumer_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Connection:
    """One location linked to one store. Immutable: every change returns a new value."""

    id: str
    location_id: str
    agency_id: str
    store_url: StoreUrl
    status: ConnectionStatus
    created_at: datetime
    updated_at: datetime
    import_selection: ImportSelection = ImportSelection()
    sync_settings: SyncSettings = SyncSettings()
    credentials: StoreCredentials | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    last_error: str | None = None
    generation: int = 1
    # Whether the store strips the Authorization header, so keys travel in the query string.
    query_string_auth: bool = False
    # Reconciliation has seen every order modified up to this instant (the high-water mark).
    reconciled_through: datetime | None = None
    # The customer page an interrupted reconciliation resumes at; None when none is underway.
    reconcile_customers_page: int | None = None
    # The last webhook health check: None before the first one.
    webhooks_healthy: bool | None = None
    webhooks_checked_at: datetime | None = None
    # Records reconciliation found missing or stale and repaired, over the connection's life.
    reconciliation_repairs: int = 0
    # Until when a connection awaiting authorization waits for the store's proof; None once
    # proven (or for a connection that never waits).
    authorization_expires_at: datetime | None = None

    @property
    def is_live(self) -> bool:
        """A live connection occupies its location: anything but disconnected."""
        return self.status is not ConnectionStatus.DISCONNECTED

    @property
    def is_proven(self) -> bool:
        """The store accepted keys for this connection: it binds the store to the agency."""
        return self.status in PROVEN

    @property
    def is_awaiting_authorization(self) -> bool:
        return self.status is ConnectionStatus.AWAITING_AUTHORIZATION

    def is_expired(self, now: datetime) -> bool:
        """Whether it waited for authorization past its time (it is disconnected then)."""
        until = self.authorization_expires_at
        return self.is_awaiting_authorization and until is not None and now >= until

    def as_of(self, now: datetime) -> Connection:
        """The connection as it stands at `now`: one that waited for authorization past its
        time has expired, whether or not that was written down yet."""
        if not self.is_expired(now):
            return self
        assert self.authorization_expires_at is not None
        return self.expire(self.authorization_expires_at)

    def expire(self, now: datetime) -> Connection:
        """Give up waiting for authorization: the location is free to connect again."""
        return self._to(ConnectionStatus.DISCONNECTED, now, last_error=AUTHORIZATION_EXPIRED)

    def await_authorization_until(self, until: datetime, now: datetime) -> Connection:
        """Wait for the store's proof until `until` (a fresh authorize URL was handed out)."""
        if not self.is_awaiting_authorization:
            raise IllegalTransition("connection", self.status.value, "awaiting_authorization")
        return replace(self, authorization_expires_at=until, updated_at=now)

    def refused_authorization(self, reason: str, now: datetime) -> Connection:
        """The store accepted the keys but the connection may not be proven (the connection
        criteria refused it): it keeps waiting, and says why."""
        return replace(self, last_error=reason, updated_at=now)

    def _to(self, target: ConnectionStatus, now: datetime, **changes: object) -> Connection:
        if target not in ALLOWED_TRANSITIONS[self.status]:
            raise IllegalTransition("connection", self.status.value, target.value)
        return replace(self, status=target, updated_at=now, **changes)  # type: ignore[arg-type]

    def authorize(self, credentials: StoreCredentials, now: datetime) -> Connection:
        """The store's keys were granted (key grant or checked manual entry); too late for a
        connection that waited for them past its time."""
        if self.is_expired(now):
            raise IllegalTransition("connection", "expired", ConnectionStatus.AUTHORIZED.value)
        if self.status is ConnectionStatus.NEEDS_RECONNECT:
            return self.reconnect(credentials, now)
        return self._to(
            ConnectionStatus.AUTHORIZED,
            now,
            credentials=credentials,
            last_error=None,
            authorization_expires_at=None,
        )

    def activate(self, webhook_secret: str, now: datetime) -> Connection:
        """Save the wizard: sync starts; the webhook secret signs the store's deliveries."""
        return self._to(
            ConnectionStatus.ACTIVE, now, webhook_secret=webhook_secret, last_error=None
        )

    def require_reconnect(self, reason: str, now: datetime) -> Connection:
        """The store refused our keys (401/403/404): sync stops until the merchant reconnects."""
        if self.status is ConnectionStatus.NEEDS_RECONNECT:
            return replace(self, last_error=reason, updated_at=now)
        return self._to(ConnectionStatus.NEEDS_RECONNECT, now, last_error=reason)

    def reconnect(self, credentials: StoreCredentials, now: datetime) -> Connection:
        """New keys for a connection that needed them: back to active."""
        return self._to(ConnectionStatus.ACTIVE, now, credentials=credentials, last_error=None)

    def disconnect(self, now: datetime) -> Connection:
        """Unlink the store; imported data is kept."""
        return self._to(ConnectionStatus.DISCONNECTED, now)

    def with_import_selection(self, selection: ImportSelection, now: datetime) -> Connection:
        return replace(self, import_selection=selection, updated_at=now)

    def with_sync_settings(self, settings: SyncSettings, now: datetime) -> Connection:
        return replace(self, sync_settings=settings, updated_at=now)
