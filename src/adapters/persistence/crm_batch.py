"""Page-sized work on contacts, orders and transactions: preloaded rows, deferred writes.

An import applies a page of a hundred records in one transaction. Resolving and upserting
each record with its own statements costs a dozen round trips per record; instead the page's
rows are loaded up front (`preload`), every resolution and upsert of the page is answered from
those rows in memory, and the writes they make are kept here and sent at the end as one
batched statement per table and kind, in foreign-key order (`PendingWrites.flush`).

The in-memory answers are exact because the loaded rows are all the rows that match the
loaded keys when the transaction took them (SQLite holds the write lock from `BEGIN
IMMEDIATE`; PostgreSQL locks them `FOR UPDATE`), and every change this transaction makes is
applied to them as well. A key that was not loaded is loaded before it is used. A concurrent
writer that inserts the same record after the load makes the flush fail with `Conflict`; the
caller then applies the page again record by record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.models import ContactRow, OrderRow, TransactionRow
from app.errors import WRITE_CONFLICT, Conflict
from domain.crm import Contact, Order, Transaction, normalise_email, normalise_phone

CONTACT_MUTABLE = (
    "woocommerce_customer_id",
    "email",
    "email_normalized",
    "phone",
    "phone_normalized",
    "first_name",
    "last_name",
    "is_guest",
    "source_modified_at",
    "updated_at",
)
ORDER_MUTABLE = (
    "number",
    "contact_id",
    "status",
    "store_status",
    "currency",
    "total",
    "paid_at",
    "placed_at",
    "source_modified_at",
    "deleted",
    "updated_at",
)
TRANSACTION_MUTABLE = (
    "order_id",
    "contact_id",
    "kind",
    "amount",
    "currency",
    "payment_method",
    "occurred_at",
)


def contact_values(contact: Contact) -> dict[str, Any]:
    """The row of `contact`, as the table stores it."""
    return {
        "id": contact.id,
        "location_id": contact.location_id,
        "woocommerce_customer_id": contact.woocommerce_customer_id,
        "email": contact.email,
        "email_normalized": normalise_email(contact.email),
        "phone": contact.phone,
        "phone_normalized": normalise_phone(contact.phone),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "is_guest": contact.is_guest,
        "source_modified_at": contact.source_modified_at,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def order_values(order: Order) -> dict[str, Any]:
    """The row of `order`, as the table stores it."""
    return {
        "id": order.id,
        "location_id": order.location_id,
        "woocommerce_order_id": order.woocommerce_order_id,
        "number": order.number,
        "contact_id": order.contact_id,
        "status": order.status.value,
        "store_status": order.store_status,
        "currency": order.currency,
        "total": order.total,
        "paid_at": order.paid_at,
        "placed_at": order.placed_at,
        "source_modified_at": order.source_modified_at,
        "deleted": order.deleted,
        "source_subtype": order.source_subtype,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def transaction_values(transaction: Transaction) -> dict[str, Any]:
    """The row of `transaction`, as the table stores it."""
    return {
        "id": transaction.id,
        "location_id": transaction.location_id,
        "woocommerce_ref": transaction.woocommerce_ref,
        "order_id": transaction.order_id,
        "contact_id": transaction.contact_id,
        "kind": transaction.kind.value,
        "amount": transaction.amount,
        "currency": transaction.currency,
        "payment_method": transaction.payment_method,
        "occurred_at": transaction.occurred_at,
        "created_at": transaction.created_at,
    }


@dataclass
class _TableWrites:
    """Rows to insert and rows to update (whole, by id) in one table."""

    table: Any
    mutable: tuple[str, ...]
    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def put(self, values: dict[str, Any], *, new: bool) -> None:
        row_id = values["id"]
        if new or row_id in self.inserts:
            self.inserts[row_id] = values
        else:
            self.updates[row_id] = values

    def __bool__(self) -> bool:
        return bool(self.inserts or self.updates)

    async def flush(self, session: AsyncSession) -> None:
        if self.inserts:
            await session.execute(insert(self.table), list(self.inserts.values()))
        if self.updates:
            statement = (
                update(self.table)
                .where(self.table.c.id == bindparam("row_id"))
                .values({name: bindparam(f"new_{name}") for name in self.mutable})
            )
            await session.execute(
                statement,
                [
                    {"row_id": row_id, **{f"new_{n}": values[n] for n in self.mutable}}
                    for row_id, values in self.updates.items()
                ],
            )
        self.inserts.clear()
        self.updates.clear()


class PendingWrites:
    """The writes the repositories deferred in one transaction, sent in foreign-key order."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        self.contacts = _TableWrites(ContactRow.__table__, CONTACT_MUTABLE)
        self.orders = _TableWrites(OrderRow.__table__, ORDER_MUTABLE)
        self.transactions = _TableWrites(TransactionRow.__table__, TRANSACTION_MUTABLE)
        self.contact_index: dict[str, ContactIndex] = {}
        self.order_index: dict[str, OrderIndex] = {}
        self.transaction_index: dict[str, TransactionIndex] = {}

    async def flush(self) -> None:
        """Send what is pending; a unique or foreign-key violation raises `Conflict`."""
        if not (self.contacts or self.orders or self.transactions):
            return
        try:
            for writes in (self.contacts, self.orders, self.transactions):
                await writes.flush(self._s)
        except IntegrityError:
            raise Conflict(
                WRITE_CONFLICT, "a concurrent writer stored the same records; try again"
            ) from None

    def forget(self) -> None:
        """Drop the pending writes and what was loaded (after a commit or a rollback: the
        next transaction may see other writers' changes)."""
        for writes in (self.contacts, self.orders, self.transactions):
            writes.inserts.clear()
            writes.updates.clear()
        self.contact_index.clear()
        self.order_index.clear()
        self.transaction_index.clear()


@dataclass
class ContactIndex:
    """A location's loaded contacts, looked up the way the repository resolves them."""

    rows: dict[str, Contact] = field(default_factory=dict)
    by_woo: dict[int, str] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict)
    by_phone: dict[str, set[str]] = field(default_factory=dict)
    woo_keys: set[int] = field(default_factory=set)
    email_keys: set[str] = field(default_factory=set)
    phone_keys: set[str] = field(default_factory=set)

    def missing(
        self, woo_ids: set[int], emails: set[str], phones: set[str]
    ) -> tuple[set[int], set[str], set[str]]:
        """The keys (normalised) that were never loaded."""
        return (
            woo_ids - self.woo_keys if woo_ids else woo_ids,
            emails - self.email_keys if emails else emails,
            phones - self.phone_keys if phones else phones,
        )

    def has(self, woo_id: int | None, email: str | None, phone: str | None) -> bool:
        """Whether these keys (normalised; None for none) were all loaded."""
        return (
            (woo_id is None or woo_id in self.woo_keys)
            and (email is None or email in self.email_keys)
            and (phone is None or phone in self.phone_keys)
        )

    def loaded(
        self,
        rows: Iterable[Any],
        convert: Callable[[Any], Contact],
        woo_ids: set[int],
        emails: set[str],
        phones: set[str],
    ) -> None:
        """Take in freshly read rows; rows known already keep their (newer) state here."""
        for row in rows:
            if row.id not in self.rows:
                self.put(convert(row))
        self.woo_keys |= woo_ids
        self.email_keys |= emails
        self.phone_keys |= phones

    def put(self, contact: Contact, previous: Contact | None = None) -> None:
        if previous is not None:
            if previous.woocommerce_customer_id is not None:
                self.by_woo.pop(previous.woocommerce_customer_id, None)
            old_email = normalise_email(previous.email)
            if old_email is not None and self.by_email.get(old_email) == previous.id:
                del self.by_email[old_email]
            old_phone = normalise_phone(previous.phone)
            if old_phone is not None:
                self.by_phone.get(old_phone, set()).discard(previous.id)
        self.rows[contact.id] = contact
        if contact.woocommerce_customer_id is not None:
            self.by_woo[contact.woocommerce_customer_id] = contact.id
        email = normalise_email(contact.email)
        if email is not None:
            self.by_email[email] = contact.id
        phone = normalise_phone(contact.phone)
        if phone is not None:
            self.by_phone.setdefault(phone, set()).add(contact.id)

    def resolve(self, woo_id: int | None, email: str | None, phone: str | None) -> Contact | None:
        """Customer id, then e-mail, then phone (the oldest match); a contact owned by another
        store customer never matches. The keys are normalised and loaded."""
        if woo_id is not None:
            found = self.by_woo.get(woo_id)
            if found is not None:
                return self.rows[found]

        def allowed(contact: Contact) -> bool:
            owner = contact.woocommerce_customer_id
            return woo_id is None or owner is None or owner == woo_id

        if email is not None:
            found = self.by_email.get(email)
            if found is not None and allowed(self.rows[found]):
                return self.rows[found]
        if phone is not None:
            matches = sorted(self.by_phone.get(phone, ()))
            for contact_id in matches:
                if allowed(self.rows[contact_id]):
                    return self.rows[contact_id]
        return None

    def email_owner(self, email: str) -> str | None:
        return self.by_email.get(email)


@dataclass
class OrderIndex:
    """A location's loaded orders by WooCommerce id (None: loaded, and not stored)."""

    by_woo: dict[int, Order | None] = field(default_factory=dict)

    def put(self, order: Order) -> None:
        self.by_woo[order.woocommerce_order_id] = order


@dataclass
class TransactionIndex:
    """A location's loaded transactions by WooCommerce reference (None: not stored)."""

    by_ref: dict[str, Transaction | None] = field(default_factory=dict)

    def put(self, transaction: Transaction) -> None:
        self.by_ref[transaction.woocommerce_ref] = transaction
