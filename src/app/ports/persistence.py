"""The unit of work and its repositories. One unit of work is one database transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar

from domain.connection import Connection, ConnectionStatus
from domain.crm import (
    Contact,
    ContactDraft,
    Order,
    OrderDraft,
    Transaction,
    TransactionDraft,
)
from domain.decisions import DecisionRecord
from domain.inbox import InboxDelivery
from domain.jobs import ImportJob
from domain.tenancy import Agency, ApiKey, Location, StoreBinding
from domain.triggers import TriggerEvent

if TYPE_CHECKING:
    from app.ports.subscriptions import SubscriptionRepository, TriggerDeliveryRepository

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of a cursor-paginated list; `next_cursor` is None at the end."""

    items: Sequence[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Upserted(Generic[T]):
    """The stored row after an upsert: whether it was new, whether anything changed, and what
    it was before (when it existed). A draft whose source version is not newer than the
    stored one changes nothing."""

    value: T
    created: bool
    changed: bool
    previous: T | None = None


class AgencyRepository(Protocol):
    async def add(self, agency: Agency) -> None: ...
    async def get(self, agency_id: str) -> Agency | None: ...
    async def list(self) -> Sequence[Agency]: ...


class LocationRepository(Protocol):
    async def add(self, location: Location) -> None: ...
    async def get(self, location_id: str) -> Location | None: ...
    async def list_for_agency(self, agency_id: str) -> Sequence[Location]: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...
    async def find_by_hash(self, key_hash: str) -> ApiKey | None: ...


class ConnectionRepository(Protocol):
    """Connections; credentials and webhook secrets are encrypted by the implementation."""

    async def add(self, connection: Connection) -> None: ...
    async def get(self, connection_id: str) -> Connection | None: ...
    async def save(self, connection: Connection) -> None: ...
    async def live_for_location(self, location_id: str) -> Connection | None: ...
    async def list_by_status(self, *statuses: ConnectionStatus) -> Sequence[Connection]: ...
    async def list_live_for_agency(self, agency_id: str) -> Sequence[Connection]: ...


class StoreBindingRepository(Protocol):
    """Agency ↔ store domain. Unique by agency and by domain: the database refuses a second
    binding of either, so two concurrent connects cannot both win (raises `Conflict`)."""

    async def add(self, binding: StoreBinding) -> None: ...
    async def for_agency(self, agency_id: str) -> StoreBinding | None: ...
    async def for_domain(self, store_domain: str) -> StoreBinding | None: ...
    async def remove(self, agency_id: str) -> None: ...


class ContactRepository(Protocol):
    async def get(self, contact_id: str) -> Contact | None: ...

    async def preload(
        self,
        location_id: str,
        *,
        woocommerce_customer_ids: Iterable[int],
        emails: Iterable[str | None],
        phones: Iterable[str | None],
    ) -> None:
        """Read, in one go, the contacts these keys resolve to, for the resolutions and upserts
        that follow in this unit of work (a page of an import). Nothing else changes: results
        are the same with or without it; writes may be deferred to the commit, which then
        raises `Conflict` if a concurrent writer stored the same person first."""
        ...

    async def resolve(
        self,
        location_id: str,
        *,
        woocommerce_customer_id: int | None,
        email: str | None,
        phone: str | None,
    ) -> Contact | None:
        """Find the contact by WooCommerce customer id, then e-mail (trimmed, any case), then
        phone. A contact that belongs to another WooCommerce customer never matches."""
        ...

    async def upsert(
        self, location_id: str, draft: ContactDraft, *, update_existing: bool = True
    ) -> Upserted[Contact]:
        """Resolve `draft`, then update it (when `update_existing` and the draft is newer) or
        create it. Safe under concurrent writers: the same person never becomes two rows."""
        ...

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Contact]: ...
    async def count(self, location_id: str) -> int: ...


class OrderRepository(Protocol):
    async def get(self, order_id: str) -> Order | None: ...
    async def get_by_woocommerce_id(
        self, location_id: str, woocommerce_id: int
    ) -> Order | None: ...

    async def preload(self, location_id: str, woocommerce_ids: Iterable[int]) -> None:
        """Read these orders in one go for what follows in this unit of work; as
        `ContactRepository.preload`."""
        ...

    async def upsert(self, location_id: str, draft: OrderDraft) -> Upserted[Order]:
        """Insert or update by (location, WooCommerce order id); a draft whose
        `source_modified_at` is older than the stored one changes nothing, nor does one of the
        same version with the same data. The same version with other data is applied: the
        store's dates have whole seconds, so that is a later change within the same second."""
        ...

    async def mark_deleted(
        self, location_id: str, woocommerce_id: int, deleted: bool
    ) -> Order | None:
        """Mark an order trashed in the store (or restored); it is never removed."""
        ...

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Order]: ...
    async def count(self, location_id: str) -> int: ...


class TransactionRepository(Protocol):
    async def preload(self, location_id: str, woocommerce_refs: Iterable[str]) -> None:
        """Read these transactions in one go for what follows in this unit of work; as
        `ContactRepository.preload`."""
        ...

    async def upsert(self, location_id: str, draft: TransactionDraft) -> Upserted[Transaction]:
        """Insert or update by (location, WooCommerce reference)."""
        ...

    async def list(
        self, location_id: str, *, cursor: str | None, limit: int
    ) -> Page[Transaction]: ...
    async def count(self, location_id: str) -> int: ...


class ImportJobRepository(Protocol):
    async def add(self, job: ImportJob) -> None: ...
    async def get(self, job_id: str) -> ImportJob | None: ...
    async def save(self, job: ImportJob) -> None: ...
    async def list_for_connection(self, connection_id: str) -> Sequence[ImportJob]: ...
    async def list_unfinished(self) -> Sequence[ImportJob]: ...


class InboxWriter(Protocol):
    """Stores webhook deliveries in a transaction of its own (the receiver's fast path)."""

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        """As `InboxRepository.add_many_if_new`, committed before it returns."""
        ...

    async def close(self) -> None: ...


class InboxRepository(Protocol):
    async def add_if_new(self, delivery: InboxDelivery) -> bool:
        """Store the delivery unless one with the same (connection, resource, resource id,
        date_modified_gmt) is stored already; True when it was new."""
        ...

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        """Store each delivery unless one with the same (connection, dedupe key) is stored
        already or comes earlier in `deliveries`; the ids of those stored."""
        ...

    async def get(self, delivery_id: str) -> InboxDelivery | None: ...

    async def get_many(self, delivery_ids: Sequence[str]) -> Sequence[InboxDelivery]:
        """The stored ones among `delivery_ids`, in one read, in no particular order."""
        ...

    async def save(self, delivery: InboxDelivery) -> None:
        """Change the delivery's status; written at the latest by the commit."""
        ...

    async def list_unsent(
        self,
        received_before: datetime,
        limit: int,
        *,
        resend_sent_before: datetime | None = None,
    ) -> Sequence[InboxDelivery]:
        """Pending deliveries that were stored but never handed to the broker, and (with
        `resend_sent_before`) those handed over before then but still not processed."""
        ...

    async def list_for_connection(
        self, connection_id: str, *, limit: int, before: str | None = None
    ) -> Sequence[InboxDelivery]:
        """Newest first; `before` is the id of the last delivery of the previous page."""
        ...


class TriggerRepository(Protocol):
    async def add_if_new(self, event: TriggerEvent) -> bool:
        """Record the trigger unless (location, type, order) has one; True when it was new."""
        ...

    async def list(
        self, location_id: str, *, cursor: str | None, limit: int
    ) -> Page[TriggerEvent]: ...


class DecisionRepository(Protocol):
    async def add(self, record: DecisionRecord) -> None: ...
    async def add_many(self, records: Sequence[DecisionRecord]) -> None: ...

    async def list(
        self, connection_id: str, *, outcome: str | None, cursor: str | None, limit: int
    ) -> Page[DecisionRecord]: ...


class GrantStateRepository(Protocol):
    """Single-use, expiring states of the WooCommerce key grant."""

    async def add(self, state: str, connection_id: str, expires_at: datetime) -> None: ...

    async def consume(self, state: str, now: datetime) -> str | None:
        """The connection id of an unexpired, unused state, which is used up; else None."""
        ...


class UnitOfWork(Protocol):
    """A transaction over every repository. Leaving the block without `commit()` rolls back.

    Work that must happen only once the transaction is durable (enqueueing a job) is
    registered with `after_commit`; it is dropped on rollback.
    """

    agencies: AgencyRepository
    locations: LocationRepository
    api_keys: ApiKeyRepository
    connections: ConnectionRepository
    bindings: StoreBindingRepository
    contacts: ContactRepository
    orders: OrderRepository
    transactions: TransactionRepository
    import_jobs: ImportJobRepository
    inbox: InboxRepository
    triggers: TriggerRepository
    decisions: DecisionRepository
    grants: GrantStateRepository
    subscriptions: SubscriptionRepository
    trigger_deliveries: TriggerDeliveryRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make the transaction durable; `Conflict` when deferred writes (see
        `ContactRepository.preload`) collide with a concurrent writer's."""
        ...

    async def rollback(self) -> None: ...
    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
