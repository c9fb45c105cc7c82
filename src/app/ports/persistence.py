"""The unit of work and its repositories. One unit of work is one database transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar

from wooconnect.domain.connection import Connection, ConnectionStatus
from wooconnect.domain.crm import Contact, ContactKeys, Order, Transaction
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.inbox import InboxDelivery
from wooconnect.domain.jobs import ImportJob
from wooconnect.domain.tenancy import Agency, ApiKey, Location, StoreBinding
from wooconnect.domain.triggers import TriggerEvent

if TYPE_CHECKING:
    from wooconnect.app.ports.subscriptions import SubscriptionRepository, TriggerDeliveryRepository

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of a cursor-paginated list; `next_cursor` is None at the end.

    Every list is newest first: records in descending id order (ids are time-ordered, see
    `domain.ids`), and a list's `cursor` is the id of the last record of the page before.
    """

    items: Sequence[T]
    next_cursor: str | None

    def map(self, into: Callable[[T], U]) -> Page[U]:
        """The same page, each item made `into` another (a view of it, its domain record)."""
        return Page([into(item) for item in self.items], self.next_cursor)


@dataclass(frozen=True, slots=True)
class Span:
    """Records whose date `field` is from `since` (included) to `before` (excluded); an open
    end where None. A record without that date is outside every span."""

    field: str
    since: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Which records a list answers: those whose fields equal the values of `equal` and whose
    dates lie in `spans`, by the records' own field names (an enum field equals its value).
    A contact's `email` matches as contacts are matched: by `normalise_email`."""

    equal: Mapping[str, object] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()


NO_FILTERS = Filters()
# Records in a page when the caller does not say.
DEFAULT_PAGE = 50


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page of a list a reader asks for: up to `limit` of the records that `filters`
    keeps, after the one whose id is `cursor` (from the newest when None)."""

    cursor: str | None = None
    limit: int = DEFAULT_PAGE
    filters: Filters = NO_FILTERS

    def filtered(self, filters: Filters) -> PageRequest:
        """The same page of the records `filters` keeps."""
        return replace(self, filters=filters)


FIRST_PAGE = PageRequest()


class AgencyRepository(Protocol):
    async def add(self, agency: Agency) -> None: ...
    async def get(self, agency_id: str) -> Agency | None: ...
    async def list(self, page: PageRequest) -> Page[Agency]: ...


class LocationRepository(Protocol):
    async def add(self, location: Location) -> None: ...
    async def get(self, location_id: str) -> Location | None: ...
    async def list_for_agency(self, agency_id: str, page: PageRequest) -> Page[Location]: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...
    async def find_by_hash(self, key_hash: str) -> ApiKey | None: ...

    async def list_for_agency(self, agency_id: str, page: PageRequest) -> Page[ApiKey]: ...


class ConnectionRepository(Protocol):
    """Connections; credentials and webhook secrets are encrypted by the implementation."""

    async def add(self, connection: Connection) -> None: ...
    async def get(self, connection_id: str) -> Connection | None: ...
    async def save(self, connection: Connection) -> None: ...
    async def live_for_location(self, location_id: str) -> Connection | None: ...
    async def list_by_status(self, *statuses: ConnectionStatus) -> Sequence[Connection]: ...
    async def list_live_for_agency(self, agency_id: str) -> Sequence[Connection]: ...


class StoreBindingRepository(Protocol):
    """Agency ↔ store domain, added once the store proved a connection. Unique by agency and
    by domain: the database refuses a second binding of either, so two concurrent proofs
    cannot both win (raises `Conflict`)."""

    async def add(self, binding: StoreBinding) -> None: ...
    async def for_agency(self, agency_id: str) -> StoreBinding | None: ...
    async def for_domain(self, store_domain: str) -> StoreBinding | None: ...
    async def remove(self, agency_id: str) -> None: ...


class ContactRepository(Protocol):
    """Contacts, got by their keys. Which contact a record resolves to and what it changes of
    it is the domain's to decide (`domain.crm`); this stores the outcome."""

    async def get(self, contact_id: str) -> Contact | None: ...

    async def find(self, location_id: str, keys: ContactKeys) -> Sequence[Contact]:
        """Every contact of the location holding one of these keys, in no particular order."""
        ...

    async def add(self, contact: Contact) -> None:
        """Store a new contact. The caller resolved its keys with `find` in this unit of work:
        no other contact of the location holds its store customer id or e-mail."""
        ...

    async def save(self, contact: Contact) -> None:
        """Store the new state of a contact got from this unit of work (as `add` for its
        keys)."""
        ...

    async def list(self, location_id: str, page: PageRequest) -> Page[Contact]: ...
    async def count(self, location_id: str) -> int: ...


class OrderRepository(Protocol):
    """Orders, got by id or by their store id."""

    async def get(self, order_id: str) -> Order | None: ...

    async def get_by_woocommerce_id(
        self, location_id: str, woocommerce_id: int
    ) -> Order | None: ...

    async def find(self, location_id: str, woocommerce_ids: Collection[int]) -> Sequence[Order]:
        """The location's orders with these store ids, in no particular order."""
        ...

    async def add(self, order: Order) -> None:
        """Store a new order; the caller found none of its (location, store id)."""
        ...

    async def save(self, order: Order) -> None: ...
    async def list(self, location_id: str, page: PageRequest) -> Page[Order]: ...

    async def numbers(self, order_ids: Collection[str]) -> Mapping[str, str]:
        """The store's order numbers of these orders, by order id (unknown ids are left out).
        A read for people: it takes no lock of the location."""
        ...

    async def count(self, location_id: str) -> int: ...


class TransactionRepository(Protocol):
    """Charges and refunds, got by their store reference (`order:15`, `refund:3`)."""

    async def find(
        self, location_id: str, woocommerce_refs: Collection[str]
    ) -> Sequence[Transaction]:
        """The location's transactions with these references, in no particular order."""
        ...

    async def add(self, transaction: Transaction) -> None:
        """Store a new transaction; the caller found none of its (location, reference)."""
        ...

    async def save(self, transaction: Transaction) -> None: ...

    async def list(self, location_id: str, page: PageRequest) -> Page[Transaction]: ...
    async def count(self, location_id: str) -> int: ...


class ImportJobRepository(Protocol):
    async def add(self, job: ImportJob) -> None: ...
    async def get(self, job_id: str) -> ImportJob | None: ...
    async def save(self, job: ImportJob) -> None: ...
    async def list_for_connection(self, connection_id: str) -> Sequence[ImportJob]: ...
    async def list_unfinished(self) -> Sequence[ImportJob]: ...


class InboxIntake(Protocol):
    """Where the webhook receiver stores what it received."""

    async def add(self, delivery: InboxDelivery) -> bool:
        """Store `delivery` in the inbox unless its (connection, dedupe key) is there already;
        True when it was new. Returns once the delivery is committed, or raises (then nothing
        of it is stored: the store, answered no 200, sends it again). Once committed, a new
        delivery is handed to the job queue; one that a failure or a crash kept from being
        sent stays in the inbox for `Receiving.sweep`."""
        ...

    async def close(self) -> None:
        """Answer the deliveries being stored, finish handing them on, and refuse later ones
        (the receiver is stopping: the database is about to go away)."""
        ...


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
        self, received_before: datetime, sent_before: datetime, limit: int
    ) -> Sequence[InboxDelivery]:
        """Pending deliveries, oldest first: those received before `received_before` and never
        handed to the broker, and those handed over before `sent_before` but still not
        processed."""
        ...

    async def list(self, connection_id: str, page: PageRequest) -> Page[InboxDelivery]: ...


class TriggerRepository(Protocol):
    async def add_if_new(self, event: TriggerEvent) -> bool:
        """Record the trigger unless (location, type, order) has one; True when it was new."""
        ...

    async def list(self, location_id: str, page: PageRequest) -> Page[TriggerEvent]: ...


class DecisionRepository(Protocol):
    async def add(self, record: DecisionRecord) -> None: ...
    async def add_many(self, records: Sequence[DecisionRecord]) -> None: ...

    async def list(self, connection_id: str, page: PageRequest) -> Page[DecisionRecord]:
        """A record's decisions are those whose `record_type` and `record_id` (its store id,
        as `("order", "15")`) are filtered on."""
        ...


class GrantStateRepository(Protocol):
    """Single-use, expiring states of the WooCommerce key grant."""

    async def add(self, state: str, connection_id: str, expires_at: datetime) -> None: ...

    async def consume(self, state: str, now: datetime) -> str | None:
        """The connection id of an unexpired, unused state, which is used up; else None."""
        ...

    async def current(self, connection_id: str, now: datetime) -> str | None:
        """The connection's newest state that is neither used nor expired; else None."""
        ...

    async def connection_of(self, state: str) -> str | None:
        """The connection a state was issued for, used or not, expired or not; else None."""
        ...


class UnitOfWork(Protocol):
    """A transaction over every repository. Leaving the block without `commit()` rolls back.

    Work that must happen only once the transaction is durable (enqueueing a job) is
    registered with `after_commit`; it is dropped on rollback.

    A location's contacts, orders and transactions are the unit of work's own from its first
    `find`, `get_by_woocommerce_id`, `add` or `save` of them until it ends: another unit of
    work doing the same for that location waits. So what it found, and what it found absent,
    stays so while it decides, and concurrent writers never make one person two contacts nor
    let an older version overwrite a newer one.
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

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
