"""Applying what the store says to the CRM: one path for imports, webhooks and reconciliation,
so every source maps records the same way.

Records come a page (or one) at a time. What a page touches of the CRM is read at once, by
its keys; the domain decides, record by record, which contact each resolves to and what each
changes (`domain.crm`); what changed is added or saved. The unit of work keeps what it read
of a location as read until it ends (see `UnitOfWork`), so deciding from it is safe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, Protocol, TypeVar

from wooconnect.app.policy import Policy, Ruled
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import UnitOfWork
from wooconnect.domain.connection import Connection
from wooconnect.domain.crm import (
    Contact,
    ContactBook,
    ContactDraft,
    ContactKeys,
    Order,
    OrderDraft,
    Transaction,
    TransactionDraft,
    charge_ref,
    refund_ref,
)
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.store import StoreCustomer, StoreOrder, StoreRefund

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Stored(Generic[T]):
    """What applying a record did to one CRM record: whether it is new, whether anything
    changed, and what it was before (when it existed)."""

    value: T
    created: bool
    changed: bool
    previous: T | None = None


R_contra = TypeVar("R_contra", contravariant=True)


class _Records(Protocol[R_contra]):
    async def add(self, record: R_contra, /) -> None: ...

    async def save(self, record: R_contra, /) -> None: ...


async def _put(records: _Records[T], found: T | None, decided: T) -> Stored[T]:
    """Store what the domain decided: a new record when none was found, a changed one when
    the decision is not the found record itself."""
    if found is None:
        await records.add(decided)
        return Stored(decided, created=True, changed=True)
    if decided is found:
        return Stored(found, created=False, changed=False, previous=found)
    await records.save(decided)
    return Stored(decided, created=False, changed=True, previous=found)


@dataclass
class Applied:
    """What applying one record did, for counting and for the trigger decisions."""

    contact: Stored[Contact] | None = None
    order: Stored[Order] | None = None
    skipped_reason: str | None = None
    decisions: list[DecisionRecord] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.skipped_reason is not None


@dataclass(frozen=True, slots=True)
class OrderApplying:
    """What applying an order stores besides the order: its contact (registered or guest,
    per the rules, when `contacts_on`), its charge and, with `refund_lines`, the refunds its
    record lists (`transactions`). `deleted` marks it trashed. The status mapping is recorded
    as a decision."""

    contacts_on: bool
    transactions: bool
    refund_lines: bool = True
    deleted: bool = False


def _customer_contact(customer: StoreCustomer) -> ContactDraft:
    return ContactDraft(
        woocommerce_customer_id=customer.id,
        email=customer.email or customer.billing.email or None,
        phone=customer.billing.phone or None,
        first_name=customer.first_name or customer.billing.first_name,
        last_name=customer.last_name or customer.billing.last_name,
        is_guest=False,
        source_modified_at=customer.date_modified_gmt,
        registered_at=customer.date_created_gmt,
    )


def _order_contact(order: StoreOrder) -> ContactDraft:
    """The person behind an order, from its billing details. The order's time is no version
    of the customer's record: an order fills a contact, it never overwrites one."""
    return ContactDraft(
        woocommerce_customer_id=None if order.is_guest else order.customer_id,
        email=order.billing.email or None,
        phone=order.billing.phone or None,
        first_name=order.billing.first_name,
        last_name=order.billing.last_name,
        is_guest=order.is_guest,
        source_modified_at=None,
    )


K = TypeVar("K")


class _ReadOnce(dict[K, T]):
    """Records by their key, as read and as changed since. A key is read at most once: a
    record read before may have been changed by the batch since, and is kept."""

    def __init__(self, key: Callable[[T], K]) -> None:
        super().__init__()
        self._key = key
        self._read: set[K] = set()

    async def read(
        self, keys: Iterable[K], find: Callable[[set[K]], Awaitable[Iterable[T]]]
    ) -> None:
        """Read (through `find`) the records of the keys not read yet."""
        wanted = set(keys) - self._read
        if wanted:
            for record in await find(wanted):
                self.setdefault(self._key(record), record)
            self._read |= wanted


class Known:
    """What a batch of store records touches of one location's CRM: read by its keys, many at
    once, and kept up to date with what the batch adds or changes, so that each record is
    decided against the records before it. A key not read yet is read when a record needs it;
    the unit of work keeps what was read as read until it ends."""

    def __init__(self, location_id: str) -> None:
        self.location_id = location_id
        self.contacts = ContactBook()
        self.orders = _ReadOnce[int, Order](lambda order: order.woocommerce_order_id)
        self.transactions = _ReadOnce[str, Transaction](lambda txn: txn.woocommerce_ref)
        self._keys_read = ContactKeys()

    async def read_people(self, uow: UnitOfWork, people: Iterable[ContactDraft]) -> None:
        """Read the contacts these people may resolve to, unless read already."""
        keys = ContactKeys.of(people) - self._keys_read
        if not keys:
            return
        for contact in await uow.contacts.find(self.location_id, keys):
            if not self.contacts.knows(contact):
                self.contacts.put(contact)
        self._keys_read |= keys

    async def read_orders(self, uow: UnitOfWork, woocommerce_ids: Iterable[int]) -> None:
        """Read the orders with these store ids, unless read already."""
        await self.orders.read(woocommerce_ids, partial(uow.orders.find, self.location_id))

    async def read_transactions(self, uow: UnitOfWork, refs: Iterable[str]) -> None:
        """Read the transactions with these store refs, unless read already."""
        await self.transactions.read(refs, partial(uow.transactions.find, self.location_id))

    async def order(self, uow: UnitOfWork, woocommerce_id: int) -> Order | None:
        await self.read_orders(uow, (woocommerce_id,))
        return self.orders.get(woocommerce_id)

    async def customer_contact(self, uow: UnitOfWork, customer: StoreCustomer) -> Contact | None:
        """The contact a store customer's record resolves to, if one is stored."""
        person = _customer_contact(customer)
        await self.read_people(uow, (person,))
        return self.contacts.resolve(person.woocommerce_customer_id, person.email, person.phone)


class Applier:
    def __init__(self, policy: Policy, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock

    def _log(
        self, applied: Applied, ruled: Ruled, connection: Connection, kind: str, record_id: int
    ) -> None:
        applied.decisions.append(
            ruled.record(
                connection_id=connection.id,
                record_type=kind,
                record_id=str(record_id),
                now=self._clock.now(),
            )
        )

    def is_an_order(self, order: StoreOrder, connection: Connection) -> bool:
        """False for an open checkout or a draft: those are never stored."""
        return self._policy.is_an_order(order.status, connection.agency_id)

    # -- customers ---------------------------------------------------------------------------

    async def apply_customer(
        self,
        uow: UnitOfWork,
        connection: Connection,
        customer: StoreCustomer,
        known: Known | None = None,
    ) -> Applied:
        return (await self.apply_customers(uow, connection, [customer], known))[0]

    async def apply_customers(
        self,
        uow: UnitOfWork,
        connection: Connection,
        customers: Sequence[StoreCustomer],
        known: Known | None = None,
    ) -> list[Applied]:
        """Registered customers: imported when the eligibility rules say so, their record
        deciding their contact."""
        results: list[Applied] = []
        eligible: list[tuple[Applied, ContactDraft]] = []
        for customer in customers:
            applied = Applied()
            results.append(applied)
            eligibility = self._policy.eligibility(customer, connection.agency_id)
            if not eligibility.eligible:
                applied.skipped_reason = eligibility.reason or "not eligible"
                self._log(applied, eligibility, connection, "customer", customer.id)
                continue
            eligible.append((applied, _customer_contact(customer)))
        if not eligible:
            return results
        location = connection.location_id
        known = known or Known(location)
        await known.read_people(uow, [draft for _, draft in eligible])
        for applied, draft in eligible:
            applied.contact = await self._merge_contact(uow, known.contacts, location, draft)
        return results

    async def _merge_contact(
        self, uow: UnitOfWork, book: ContactBook, location_id: str, draft: ContactDraft
    ) -> Stored[Contact]:
        found = book.resolve(draft.woocommerce_customer_id, draft.email, draft.phone)
        if found is None:
            return await self._new_contact(uow, book, location_id, draft)
        merged = found.merge(
            draft, self._clock.now(), email_free=book.email_free_for(draft.email, found)
        )
        return await self._changed_contact(uow, book, found, merged)

    async def _new_contact(
        self, uow: UnitOfWork, book: ContactBook, location_id: str, draft: ContactDraft
    ) -> Stored[Contact]:
        contact = Contact.create(
            location_id, draft, self._clock.now(), email_free=book.email_free_for(draft.email)
        )
        book.put(contact)
        return await _put(uow.contacts, None, contact)

    async def _changed_contact(
        self, uow: UnitOfWork, book: ContactBook, found: Contact, changed: Contact
    ) -> Stored[Contact]:
        stored = await _put(uow.contacts, found, changed)
        if stored.changed:
            book.put(changed)
        return stored

    # -- orders ------------------------------------------------------------------------------

    async def apply_order(
        self,
        uow: UnitOfWork,
        connection: Connection,
        order: StoreOrder,
        how: OrderApplying,
        known: Known | None = None,
    ) -> Applied:
        """An order, and what `how` asks for with it."""
        return (await self.apply_orders(uow, connection, [order], how, known))[0]

    async def apply_orders(
        self,
        uow: UnitOfWork,
        connection: Connection,
        orders: Sequence[StoreOrder],
        how: OrderApplying,
        known: Known | None = None,
    ) -> list[Applied]:
        """Orders in their order, as `apply_order` applies each."""
        is_order = [self.is_an_order(order, connection) for order in orders]
        live = [order for order, counts in zip(orders, is_order, strict=True) if counts]
        known = known or Known(connection.location_id)
        await self.read_orders(
            uow, known, live, with_transactions=how.transactions, with_refund_lines=how.refund_lines
        )
        results: list[Applied] = []
        for order, counts in zip(orders, is_order, strict=True):
            applied = Applied()
            results.append(applied)
            if not counts:
                applied.skipped_reason = f"a {order.status} order is not an order yet"
                continue
            await self._order(uow, connection, known, order, applied, how)
        return results

    async def read_orders(
        self,
        uow: UnitOfWork,
        known: Known,
        orders: Sequence[StoreOrder],
        *,
        with_transactions: bool = True,
        with_refund_lines: bool = True,
    ) -> None:
        """Read at once what these orders touch: their people, the orders themselves and
        their transactions."""
        refs: list[str] = []
        if with_transactions:
            refs = [charge_ref(o.id) for o in orders]
            if with_refund_lines:
                refs.extend(refund_ref(line.id) for o in orders for line in o.refunds)
        await known.read_people(uow, [_order_contact(o) for o in orders])
        await known.read_orders(uow, [o.id for o in orders])
        await known.read_transactions(uow, refs)

    async def _order(
        self,
        uow: UnitOfWork,
        connection: Connection,
        known: Known,
        order: StoreOrder,
        applied: Applied,
        how: OrderApplying,
    ) -> None:
        location = connection.location_id
        person = _order_contact(order)
        book = known.contacts
        resolved = book.resolve(person.woocommerce_customer_id, person.email, person.phone)
        contact_policy = self._policy.order_contact(
            order,
            contacts_on=how.contacts_on,
            orders_on=True,
            resolved_is_guest=None if resolved is None else resolved.is_guest,
            agency_id=connection.agency_id,
        )
        if resolved is None:
            if contact_policy.create:
                applied.contact = await self._new_contact(uow, book, location, person)
        elif contact_policy.update:
            filled = resolved.fill(
                person, self._clock.now(), email_free=book.email_free_for(person.email, resolved)
            )
            applied.contact = await self._changed_contact(uow, book, resolved, filled)
        else:
            applied.contact = Stored(resolved, created=False, changed=False, previous=resolved)
        mapping = self._policy.order_status(order, connection.agency_id)
        self._log(applied, mapping, connection, "order", order.id)
        contact = applied.contact.value if applied.contact is not None else None
        draft = OrderDraft.of(
            order,
            contact_id=None if contact is None else contact.id,
            status=mapping.status,
            deleted=how.deleted,
        )
        applied.order = await self._put_order(uow, known, location, draft)
        if how.transactions:
            stored = applied.order.value
            drafts: list[TransactionDraft] = []
            if stored.paid_at is not None:
                drafts.append(TransactionDraft.charge(stored, order.total))
            for line in order.refunds if how.refund_lines else ():
                # The order's refund list carries no dates; the update that listed it does.
                drafts.append(
                    TransactionDraft.refund(
                        stored, line.id, line.amount, occurred_at=order.date_modified_gmt
                    )
                )
            for txn in drafts:
                await self._put_transaction(uow, known, location, txn)

    async def _put_order(
        self, uow: UnitOfWork, known: Known, location_id: str, draft: OrderDraft
    ) -> Stored[Order]:
        now = self._clock.now()
        found = known.orders.get(draft.woocommerce_order_id)
        decided = (
            Order.create(location_id, draft, now) if found is None else found.apply(draft, now)
        )
        stored = await _put(uow.orders, found, decided)
        known.orders[draft.woocommerce_order_id] = stored.value
        return stored

    async def _put_transaction(
        self, uow: UnitOfWork, known: Known, location_id: str, draft: TransactionDraft
    ) -> Stored[Transaction]:
        found = known.transactions.get(draft.woocommerce_ref)
        decided = (
            Transaction.create(location_id, draft, self._clock.now())
            if found is None
            else found.apply(draft)
        )
        stored = await _put(uow.transactions, found, decided)
        known.transactions[draft.woocommerce_ref] = stored.value
        return stored

    async def mark_order_deleted(
        self,
        uow: UnitOfWork,
        connection: Connection,
        woocommerce_id: int,
        known: Known | None = None,
    ) -> Order | None:
        """An order trashed in the store: marked, never removed; None when it was never
        stored."""
        known = known or Known(connection.location_id)
        found = await known.order(uow, woocommerce_id)
        if found is None:
            return None
        marked = found.mark_deleted(True, self._clock.now())
        if marked is not found:
            await uow.orders.save(marked)
            known.orders[woocommerce_id] = marked
        return marked

    # -- refunds -----------------------------------------------------------------------------

    async def apply_refunds(
        self, uow: UnitOfWork, connection: Connection, refunds: Sequence[StoreRefund]
    ) -> list[bool]:
        """Refunds from `/refunds`; for each, False when its order is not in the CRM."""
        location = connection.location_id
        known = Known(location)
        await known.read_orders(uow, [r.order_id for r in refunds])
        await known.read_transactions(uow, [refund_ref(r.id) for r in refunds])
        results: list[bool] = []
        for refund in refunds:
            order = known.orders.get(refund.order_id)
            results.append(order is not None)
            if order is None:
                continue
            draft = TransactionDraft.refund(
                order, refund.id, refund.amount, occurred_at=refund.date_created_gmt
            )
            await self._put_transaction(uow, known, location, draft)
        return results
