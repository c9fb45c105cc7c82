"""Repositories of contacts, orders and transactions: got by their keys, added and saved.

What a store record changes is decided in `domain.crm`; these store the outcome. Reads take
the location's lock and send the writes held back so far, and writes are held back to be sent
together (`crm_writes`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.crm_writes import CrmWrites, contact_values
from wooconnect.adapters.persistence.models import ContactRow, OrderRow, TransactionRow
from wooconnect.adapters.persistence.records import record_of, values_of
from wooconnect.app.ports.persistence import Page
from wooconnect.domain.crm import Contact, Order, Transaction


def _insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that can take `on_conflict_do_nothing` (the other repositories use it)."""
    return pg_insert(table) if _is_postgres(session) else sqlite_insert(table)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _page(
    session: AsyncSession,
    query: Select[Any],
    id_col: Any,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """A page in id order (ids are time-ordered), oldest or newest first, after `cursor`."""
    if cursor:
        query = query.where(id_col < cursor if newest_first else id_col > cursor)
    order = id_col.desc() if newest_first else id_col
    rows = list((await session.scalars(query.order_by(order).limit(limit + 1))).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


T = TypeVar("T")


async def _location_page(
    session: AsyncSession,
    model: Any,
    record: type[T],
    location_id: str,
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """One page of a location's records, in id (creation) order."""
    query = select(model).where(model.location_id == location_id)
    rows, next_cursor = await _page(session, query, model.id, cursor, limit)
    return Page([record_of(record, row) for row in rows], next_cursor)


async def _location_count(session: AsyncSession, model: Any, location_id: str) -> int:
    query = select(func.count()).select_from(model).where(model.location_id == location_id)
    return int(await session.scalar(query) or 0)


class SqlContactRepository:
    def __init__(self, session: AsyncSession, writes: CrmWrites) -> None:
        self._s = session
        self._w = writes

    async def get(self, contact_id: str) -> Contact | None:
        await self._w.flush()
        table = ContactRow.__table__
        row = (await self._s.execute(select(table).where(table.c.id == contact_id))).first()
        return None if row is None else record_of(Contact, row)

    async def find(
        self,
        location_id: str,
        *,
        woocommerce_customer_ids: Collection[int] = (),
        emails: Collection[str] = (),
        phones: Collection[str] = (),
    ) -> Sequence[Contact]:
        await self._w.lock(location_id)
        await self._w.flush()
        table = ContactRow.__table__
        conditions: list[ColumnElement[bool]] = []
        if woocommerce_customer_ids:
            conditions.append(
                table.c.woocommerce_customer_id.in_(sorted(set(woocommerce_customer_ids)))
            )
        if emails:
            conditions.append(table.c.email_normalized.in_(sorted(set(emails))))
        if phones:
            conditions.append(table.c.phone_normalized.in_(sorted(set(phones))))
        if not conditions:
            return []
        mine = table.c.location_id == location_id
        query: Any
        if _is_postgres(self._s):
            query = select(table).where(mine, or_(*conditions))
        else:
            # One SELECT per key, so that each uses its index (SQLite scans the location's
            # contacts for an OR of them); a row found twice is taken once.
            query = union_all(*(select(table).where(mine, c) for c in conditions))
        rows = (await self._s.execute(query)).all()
        return list({row.id: record_of(Contact, row) for row in rows}.values())

    async def add(self, contact: Contact) -> None:
        await self._w.lock(contact.location_id)
        self._w.contacts.put(contact_values(contact), new=True)

    async def save(self, contact: Contact) -> None:
        await self._w.lock(contact.location_id)
        self._w.contacts.put(contact_values(contact), new=False)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Contact]:
        await self._w.flush()
        return await _location_page(self._s, ContactRow, Contact, location_id, cursor, limit)

    async def count(self, location_id: str) -> int:
        await self._w.flush()
        return await _location_count(self._s, ContactRow, location_id)


class SqlOrderRepository:
    def __init__(self, session: AsyncSession, writes: CrmWrites) -> None:
        self._s = session
        self._w = writes

    async def get(self, order_id: str) -> Order | None:
        await self._w.flush()
        table = OrderRow.__table__
        row = (await self._s.execute(select(table).where(table.c.id == order_id))).first()
        return None if row is None else record_of(Order, row)

    async def get_by_woocommerce_id(self, location_id: str, woocommerce_id: int) -> Order | None:
        found = await self.find(location_id, (woocommerce_id,))
        return found[0] if found else None

    async def find(self, location_id: str, woocommerce_ids: Collection[int]) -> Sequence[Order]:
        await self._w.lock(location_id)
        await self._w.flush()
        if not woocommerce_ids:
            return []
        table = OrderRow.__table__
        query = select(table).where(
            table.c.location_id == location_id,
            table.c.woocommerce_order_id.in_(sorted(set(woocommerce_ids))),
        )
        return [record_of(Order, row) for row in (await self._s.execute(query)).all()]

    async def add(self, order: Order) -> None:
        await self._w.lock(order.location_id)
        self._w.orders.put(values_of(order), new=True)

    async def save(self, order: Order) -> None:
        await self._w.lock(order.location_id)
        self._w.orders.put(values_of(order), new=False)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Order]:
        await self._w.flush()
        return await _location_page(self._s, OrderRow, Order, location_id, cursor, limit)

    async def count(self, location_id: str) -> int:
        await self._w.flush()
        return await _location_count(self._s, OrderRow, location_id)


class SqlTransactionRepository:
    def __init__(self, session: AsyncSession, writes: CrmWrites) -> None:
        self._s = session
        self._w = writes

    async def find(
        self, location_id: str, woocommerce_refs: Collection[str]
    ) -> Sequence[Transaction]:
        await self._w.lock(location_id)
        await self._w.flush()
        if not woocommerce_refs:
            return []
        table = TransactionRow.__table__
        query = select(table).where(
            table.c.location_id == location_id,
            table.c.woocommerce_ref.in_(sorted(set(woocommerce_refs))),
        )
        return [record_of(Transaction, row) for row in (await self._s.execute(query)).all()]

    async def add(self, transaction: Transaction) -> None:
        await self._w.lock(transaction.location_id)
        self._w.transactions.put(values_of(transaction), new=True)

    async def save(self, transaction: Transaction) -> None:
        await self._w.lock(transaction.location_id)
        self._w.transactions.put(values_of(transaction), new=False)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Transaction]:
        await self._w.flush()
        return await _location_page(
            self._s, TransactionRow, Transaction, location_id, cursor, limit
        )

    async def count(self, location_id: str) -> int:
        await self._w.flush()
        return await _location_count(self._s, TransactionRow, location_id)
