"""In-memory fakes of the ports, for unit tests of the use cases.

They keep the same contracts as the real adapters (the repository contract tests run against
them too): records got by their keys, unique keys, single-use grant states, commit and
rollback. They decide nothing the domain decides.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self, TypeVar

from tests.fakes.listing import page as _page
from tests.fakes.subscriptions import (
    InMemorySubscriptionRepository,
    InMemoryTriggerDeliveryRepository,
)
from wooconnect.app.errors import WRITE_CONFLICT, Conflict
from wooconnect.app.ports.persistence import Page, PageRequest, UnitOfWork
from wooconnect.domain.connection import Connection, ConnectionStatus
from wooconnect.domain.crm import (
    Contact,
    ContactKeys,
    Order,
    Transaction,
    normalise_email,
)
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery
from wooconnect.domain.jobs import ImportJob, JobStatus
from wooconnect.domain.subscriptions import TriggerDelivery, TriggerSubscription
from wooconnect.domain.tenancy import Agency, ApiKey, Location, StoreBinding
from wooconnect.domain.triggers import TriggerEvent

T = TypeVar("T")


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeCipher:
    """Reversible and visibly not plain text; enough to prove the code encrypts."""

    def encrypt(self, plaintext: str) -> str:
        return "enc:" + plaintext[::-1]

    def decrypt(self, token: str) -> str:
        if not token.startswith("enc:"):
            raise ValueError("not a token of this cipher")
        return token[4:][::-1]


@dataclass
class FakeJobQueue:
    """Records what was enqueued, in order."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        self.sent.append((task, entity_id))


@dataclass
class InMemoryState:
    """Everything a fake unit of work can see; committed work lands here."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    bindings: dict[str, StoreBinding] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)
    jobs: dict[str, ImportJob] = field(default_factory=dict)
    inbox: dict[str, InboxDelivery] = field(default_factory=dict)
    triggers: dict[str, TriggerEvent] = field(default_factory=dict)
    decisions: dict[str, DecisionRecord] = field(default_factory=dict)
    grants: dict[str, tuple[str, datetime, datetime | None]] = field(default_factory=dict)
    subscriptions: dict[str, TriggerSubscription] = field(default_factory=dict)
    trigger_deliveries: dict[str, TriggerDelivery] = field(default_factory=dict)


class _Repo:
    def __init__(self, state: InMemoryState, clock: FakeClock) -> None:
        self.s = state
        self.clock = clock


class InMemoryAgencyRepository(_Repo):
    async def add(self, agency: Agency) -> None:
        self.s.agencies[agency.id] = agency

    async def get(self, agency_id: str) -> Agency | None:
        return self.s.agencies.get(agency_id)

    async def list(self, page: PageRequest) -> Page[Agency]:
        return _page(self.s.agencies.values(), page)


class InMemoryLocationRepository(_Repo):
    async def add(self, location: Location) -> None:
        self.s.locations[location.id] = location

    async def get(self, location_id: str) -> Location | None:
        return self.s.locations.get(location_id)

    async def list_for_agency(self, agency_id: str, page: PageRequest) -> Page[Location]:
        mine = (x for x in self.s.locations.values() if x.agency_id == agency_id)
        return _page(mine, page)


class InMemoryApiKeyRepository(_Repo):
    async def add(self, key: ApiKey) -> None:
        self.s.api_keys[key.id] = key

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self.s.api_keys.values() if k.key_hash == key_hash), None)

    async def list_for_agency(self, agency_id: str, page: PageRequest) -> Page[ApiKey]:
        mine = (k for k in self.s.api_keys.values() if k.agency_id == agency_id)
        return _page(mine, page)


class InMemoryConnectionRepository(_Repo):
    async def add(self, connection: Connection) -> None:
        if connection.is_live and await self.live_for_location(connection.location_id):
            raise Conflict("already_connected", "this location already has a live connection")
        self.s.connections[connection.id] = connection

    async def get(self, connection_id: str) -> Connection | None:
        return self.s.connections.get(connection_id)

    async def save(self, connection: Connection) -> None:
        if connection.id not in self.s.connections:
            raise LookupError(f"connection {connection.id} is not stored")
        self.s.connections[connection.id] = connection

    async def live_for_location(self, location_id: str) -> Connection | None:
        return next(
            (c for c in self.s.connections.values() if c.location_id == location_id and c.is_live),
            None,
        )

    async def list_by_status(self, *statuses: ConnectionStatus) -> Sequence[Connection]:
        found = [c for c in self.s.connections.values() if c.status in statuses]
        return sorted(found, key=lambda c: c.id)

    async def list_live_for_agency(self, agency_id: str) -> Sequence[Connection]:
        found = [c for c in self.s.connections.values() if c.agency_id == agency_id and c.is_live]
        return sorted(found, key=lambda c: c.id)


class InMemoryStoreBindingRepository(_Repo):
    async def add(self, binding: StoreBinding) -> None:
        taken = binding.agency_id in self.s.bindings or await self.for_domain(binding.store_domain)
        if taken:
            raise Conflict(
                "store_binding_taken", "the store or the agency is already bound elsewhere"
            )
        self.s.bindings[binding.agency_id] = binding

    async def for_agency(self, agency_id: str) -> StoreBinding | None:
        return self.s.bindings.get(agency_id)

    async def for_domain(self, store_domain: str) -> StoreBinding | None:
        return next((b for b in self.s.bindings.values() if b.store_domain == store_domain), None)

    async def remove(self, agency_id: str) -> None:
        self.s.bindings.pop(agency_id, None)


class InMemoryContactRepository(_Repo):
    async def get(self, contact_id: str) -> Contact | None:
        return self.s.contacts.get(contact_id)

    async def find(self, location_id: str, keys: ContactKeys) -> Sequence[Contact]:
        return [
            c
            for c in self.s.contacts.values()
            if c.location_id == location_id
            and (
                c.woocommerce_customer_id in keys.woocommerce_customer_ids
                or c.email_key in keys.emails
                or c.phone_key in keys.phones
            )
        ]

    async def add(self, contact: Contact) -> None:
        for other in self.s.contacts.values():
            if other.location_id != contact.location_id or other.id == contact.id:
                continue
            same_customer = (
                contact.woocommerce_customer_id is not None
                and other.woocommerce_customer_id == contact.woocommerce_customer_id
            )
            if same_customer or (contact.email_key and other.email_key == contact.email_key):
                raise Conflict(WRITE_CONFLICT, "another contact holds these keys")
        self.s.contacts[contact.id] = contact

    async def save(self, contact: Contact) -> None:
        if contact.id not in self.s.contacts:
            raise LookupError(f"contact {contact.id} is not stored")
        await self.add(contact)

    async def list(self, location_id: str, page: PageRequest) -> Page[Contact]:
        mine = (c for c in self.s.contacts.values() if c.location_id == location_id)
        filters = page.filters
        if "email" in filters.equal:
            email = normalise_email(str(filters.equal["email"]))
            mine = (c for c in mine if normalise_email(c.email) == email)
            others = {k: v for k, v in filters.equal.items() if k != "email"}
            page = page.filtered(replace(filters, equal=others))
        return _page(mine, page)

    async def count(self, location_id: str) -> int:
        return sum(1 for c in self.s.contacts.values() if c.location_id == location_id)


class InMemoryOrderRepository(_Repo):
    async def get(self, order_id: str) -> Order | None:
        return self.s.orders.get(order_id)

    async def get_by_woocommerce_id(self, location_id: str, woocommerce_id: int) -> Order | None:
        found = await self.find(location_id, (woocommerce_id,))
        return found[0] if found else None

    async def find(self, location_id: str, woocommerce_ids: Collection[int]) -> Sequence[Order]:
        return [
            o
            for o in self.s.orders.values()
            if o.location_id == location_id and o.woocommerce_order_id in woocommerce_ids
        ]

    async def add(self, order: Order) -> None:
        if await self.get_by_woocommerce_id(order.location_id, order.woocommerce_order_id):
            raise Conflict(WRITE_CONFLICT, "the order is stored already")
        self.s.orders[order.id] = order

    async def save(self, order: Order) -> None:
        if order.id not in self.s.orders:
            raise LookupError(f"order {order.id} is not stored")
        self.s.orders[order.id] = order

    async def list(self, location_id: str, page: PageRequest) -> Page[Order]:
        mine = (o for o in self.s.orders.values() if o.location_id == location_id)
        return _page(mine, page)

    async def numbers(self, order_ids: Collection[str]) -> Mapping[str, str]:
        return {i: self.s.orders[i].number for i in order_ids if i in self.s.orders}

    async def count(self, location_id: str) -> int:
        return sum(1 for o in self.s.orders.values() if o.location_id == location_id)


class InMemoryTransactionRepository(_Repo):
    async def find(
        self, location_id: str, woocommerce_refs: Collection[str]
    ) -> Sequence[Transaction]:
        return [
            t
            for t in self.s.transactions.values()
            if t.location_id == location_id and t.woocommerce_ref in woocommerce_refs
        ]

    async def add(self, transaction: Transaction) -> None:
        if await self.find(transaction.location_id, (transaction.woocommerce_ref,)):
            raise Conflict(WRITE_CONFLICT, "the transaction is stored already")
        self.s.transactions[transaction.id] = transaction

    async def save(self, transaction: Transaction) -> None:
        if transaction.id not in self.s.transactions:
            raise LookupError(f"transaction {transaction.id} is not stored")
        self.s.transactions[transaction.id] = transaction

    async def list(self, location_id: str, page: PageRequest) -> Page[Transaction]:
        mine = (t for t in self.s.transactions.values() if t.location_id == location_id)
        return _page(mine, page)

    async def count(self, location_id: str) -> int:
        return sum(1 for t in self.s.transactions.values() if t.location_id == location_id)


class InMemoryImportJobRepository(_Repo):
    async def add(self, job: ImportJob) -> None:
        self.s.jobs[job.id] = job

    async def get(self, job_id: str) -> ImportJob | None:
        return self.s.jobs.get(job_id)

    async def save(self, job: ImportJob) -> None:
        if job.id not in self.s.jobs:
            raise LookupError(f"import job {job.id} is not stored")
        self.s.jobs[job.id] = job

    async def list_for_connection(self, connection_id: str) -> Sequence[ImportJob]:
        found = [j for j in self.s.jobs.values() if j.connection_id == connection_id]
        return sorted(found, key=lambda j: j.id)

    async def list_unfinished(self) -> Sequence[ImportJob]:
        open_ = (JobStatus.QUEUED, JobStatus.RUNNING)
        return sorted((j for j in self.s.jobs.values() if j.status in open_), key=lambda j: j.id)


class InMemoryInboxRepository(_Repo):
    async def add_if_new(self, delivery: InboxDelivery) -> bool:
        for known in self.s.inbox.values():
            same = (known.connection_id, known.dedupe_key)
            if same == (delivery.connection_id, delivery.dedupe_key):
                return False
        self.s.inbox[delivery.id] = delivery
        return True

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        return {d.id for d in deliveries if await self.add_if_new(d)}

    async def get(self, delivery_id: str) -> InboxDelivery | None:
        return self.s.inbox.get(delivery_id)

    async def get_many(self, delivery_ids: Sequence[str]) -> Sequence[InboxDelivery]:
        return [self.s.inbox[i] for i in dict.fromkeys(delivery_ids) if i in self.s.inbox]

    async def save(self, delivery: InboxDelivery) -> None:
        self.s.inbox[delivery.id] = delivery

    async def list_unsent(
        self, received_before: datetime, sent_before: datetime, limit: int
    ) -> Sequence[InboxDelivery]:
        def due(d: InboxDelivery) -> bool:
            if d.enqueued_at is None:
                return d.received_at < received_before
            return d.enqueued_at < sent_before

        found = [d for d in self.s.inbox.values() if d.status is DeliveryStatus.PENDING and due(d)]
        return sorted(found, key=lambda d: d.received_at)[:limit]

    async def list(self, connection_id: str, page: PageRequest) -> Page[InboxDelivery]:
        mine = (d for d in self.s.inbox.values() if d.connection_id == connection_id)
        return _page(mine, page)


class InMemoryTriggerRepository(_Repo):
    async def add_if_new(self, event: TriggerEvent) -> bool:
        key = (event.location_id, event.type, event.order_id)
        if any((t.location_id, t.type, t.order_id) == key for t in self.s.triggers.values()):
            return False
        self.s.triggers[event.id] = event
        return True

    async def list(self, location_id: str, page: PageRequest) -> Page[TriggerEvent]:
        mine = (t for t in self.s.triggers.values() if t.location_id == location_id)
        return _page(mine, page)


class InMemoryDecisionRepository(_Repo):
    async def add(self, record: DecisionRecord) -> None:
        self.s.decisions[record.id] = record

    async def add_many(self, records: Sequence[DecisionRecord]) -> None:
        for record in records:
            self.s.decisions[record.id] = record

    async def list(self, connection_id: str, page: PageRequest) -> Page[DecisionRecord]:
        mine = (d for d in self.s.decisions.values() if d.connection_id == connection_id)
        return _page(mine, page)


class InMemoryGrantStateRepository(_Repo):
    async def add(self, state: str, connection_id: str, expires_at: datetime) -> None:
        self.s.grants[state] = (connection_id, expires_at, None)

    async def consume(self, state: str, now: datetime) -> str | None:
        found = self.s.grants.get(state)
        if found is None or found[2] is not None or found[1] <= now:
            return None
        self.s.grants[state] = (found[0], found[1], now)
        return found[0]

    async def current(self, connection_id: str, now: datetime) -> str | None:
        usable = [
            (expires, state)
            for state, (owner, expires, used) in self.s.grants.items()
            if owner == connection_id and used is None and expires > now
        ]
        return max(usable)[1] if usable else None

    async def connection_of(self, state: str) -> str | None:
        found = self.s.grants.get(state)
        return None if found is None else found[0]


class InMemoryUnitOfWork(UnitOfWork):
    """Works on a copy of the shared state; `commit()` publishes the copy."""

    def __init__(self, state: InMemoryState, clock: FakeClock) -> None:
        self._shared = state
        self._clock = clock
        self._callbacks: list[Callable[[], Awaitable[None]]] = []
        self.commits = 0
        self._bind(copy.copy(state))

    def _bind(self, working: InMemoryState) -> None:
        # Shallow copies of each table: the values are immutable, the dicts are not.
        for name in working.__dataclass_fields__:
            setattr(working, name, dict(getattr(working, name)))
        self._working = working
        self.agencies = InMemoryAgencyRepository(working, self._clock)
        self.locations = InMemoryLocationRepository(working, self._clock)
        self.api_keys = InMemoryApiKeyRepository(working, self._clock)
        self.connections = InMemoryConnectionRepository(working, self._clock)
        self.bindings = InMemoryStoreBindingRepository(working, self._clock)
        self.contacts = InMemoryContactRepository(working, self._clock)
        self.orders = InMemoryOrderRepository(working, self._clock)
        self.transactions = InMemoryTransactionRepository(working, self._clock)
        self.import_jobs = InMemoryImportJobRepository(working, self._clock)
        self.inbox = InMemoryInboxRepository(working, self._clock)
        self.triggers = InMemoryTriggerRepository(working, self._clock)
        self.decisions = InMemoryDecisionRepository(working, self._clock)
        self.grants = InMemoryGrantStateRepository(working, self._clock)
        self.subscriptions = InMemorySubscriptionRepository(working.subscriptions)
        self.trigger_deliveries = InMemoryTriggerDeliveryRepository(working.trigger_deliveries)

    async def __aenter__(self) -> Self:
        self._bind(copy.copy(self._shared))
        self._callbacks = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._callbacks = []

    async def commit(self) -> None:
        for name in self._working.__dataclass_fields__:
            setattr(self._shared, name, dict(getattr(self._working, name)))
        self.commits += 1
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            await callback()

    async def rollback(self) -> None:
        self._bind(copy.copy(self._shared))
        self._callbacks = []

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._callbacks.append(callback)


class InMemoryUnitOfWorkFactory:
    """Makes units of work over one shared in-memory state."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.state = InMemoryState()
        self.clock = clock or FakeClock()

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.state, self.clock)


class InMemoryInboxIntake:
    """An `InboxIntake` without grouping: each delivery is stored in a unit of work of its own,
    then handed on through `on_stored` when it was new."""

    def __init__(
        self,
        uow: InMemoryUnitOfWorkFactory,
        on_stored: Callable[[Sequence[InboxDelivery]], Awaitable[None]],
    ) -> None:
        self._uow = uow
        self._on_stored = on_stored
        self.closed = False

    async def add(self, delivery: InboxDelivery) -> bool:
        if self.closed:
            raise RuntimeError("the receiver is stopping")
        async with self._uow() as uow:
            new = await uow.inbox.add_if_new(delivery)
            await uow.commit()
        if new:
            await self._on_stored([delivery])
        return new

    async def close(self) -> None:
        self.closed = True
