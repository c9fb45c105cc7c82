"""What the CRM repositories share in one unit of work: the location locks, and the writes
they hold back to send together.

Locks. A unit of work that touches a location's contacts, orders or transactions first makes
them its own until it ends (PostgreSQL: a transaction-level advisory lock per location, taken
once; SQLite: every transaction holds the database's write lock from `BEGIN IMMEDIATE`). One
lock per location, so there is no order to take locks in and nothing to deadlock on within a
location; what a unit of work read of the location (found or found absent) stays true while
the domain decides from it, so the same person never becomes two rows and an older version
never overwrites a newer one.

Writes. Records added or saved are kept here and sent as one batched statement per table and
kind (in foreign-key order) before the next read of these tables and at the commit: an import
page of a hundred orders costs a handful of statements, not hundreds. The lock above is what
makes holding them back invisible: no other writer of the location can come in between.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.models import ContactRow, OrderRow, TransactionRow
from wooconnect.adapters.persistence.records import values_of
from wooconnect.adapters.persistence.violations import refused_as_conflict
from wooconnect.app.errors import WRITE_CONFLICT
from wooconnect.domain.crm import Contact, normalise_email, normalise_phone

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
    "registered_at",
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
    "completed_at",
    "payment_method",
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
    """The row of `contact`, as the table stores it: with the keys it is found by."""
    values = values_of(contact)
    values.update(
        email_normalized=normalise_email(contact.email),
        phone_normalized=normalise_phone(contact.phone),
    )
    return values


@dataclass
class TableWrites:
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


class CrmWrites:
    """One unit of work's location locks and held-back writes of contacts, orders and
    transactions."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        self._locked: set[str] = set()
        self.contacts = TableWrites(ContactRow.__table__, CONTACT_MUTABLE)
        self.orders = TableWrites(OrderRow.__table__, ORDER_MUTABLE)
        self.transactions = TableWrites(TransactionRow.__table__, TRANSACTION_MUTABLE)

    async def lock(self, location_id: str) -> None:
        """Make the location's CRM records this transaction's own until it ends."""
        if location_id in self._locked:
            return
        if self._s.get_bind().dialect.name == "postgresql":
            await self._s.execute(select(func.pg_advisory_xact_lock(_lock_key(location_id))))
        self._locked.add(location_id)

    async def flush(self) -> None:
        """Send what is held back; a unique or foreign-key violation raises `Conflict`."""
        if not (self.contacts or self.orders or self.transactions):
            return
        with refused_as_conflict(WRITE_CONFLICT, "the records could not be stored; try again"):
            for writes in (self.contacts, self.orders, self.transactions):
                await writes.flush(self._s)

    def forget(self) -> None:
        """Drop the held-back writes and the locks' record (after a commit or a rollback, which
        release the locks)."""
        for writes in (self.contacts, self.orders, self.transactions):
            writes.inserts.clear()
            writes.updates.clear()
        self._locked.clear()


def _lock_key(location_id: str) -> int:
    """The advisory lock's 64-bit key of a location's CRM records."""
    digest = hashlib.blake2b(f"crm:{location_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
