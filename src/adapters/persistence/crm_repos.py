"""Repositories of contacts, orders and transactions: got by their keys, added and saved.

What a store record changes is decided in `domain.crm`; these store the outcome. Reads take
the location's lock and send the writes held back so far, and writes are held back to be sent
together (`crm_writes`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.crm_writes import CrmWrites, TableWrites, contact_values
from wooconnect.adapters.persistence.listing import page_of_records
from wooconnect.adapters.persistence.models import ContactRow, OrderRow, TransactionRow
from wooconnect.adapters.persistence.records import record_of, values_of
from wooconnect.app.ports.persistence import Page, PageRequest
from wooconnect.domain.crm import Contact, ContactKeys, Order, Transaction, normalise_email


def _insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that can take `on_conflict_do_nothing` (the other repositories use it)."""
    return pg_insert(table) if _is_postgres(session) else sqlite_insert(table)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


T = TypeVar("T")


class _Located(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def location_id(self) -> str: ...


L = TypeVar("L", bound=_Located)


class _CrmRecords(Generic[L]):
    """What the CRM repositories share: reads that send the held-back writes first, and
    writes held back under the location's lock."""

    _model: Any
    _record: type[L]

    def __init__(self, session: AsyncSession, writes: CrmWrites) -> None:
        self._s = session
        self._w = writes

    def _writes(self) -> TableWrites:
        raise NotImplementedError

    def _values(self, record: L) -> dict[str, Any]:
        return values_of(record)

    async def get(self, record_id: str) -> L | None:
        await self._w.flush()
        table = self._model.__table__
        row = (await self._s.execute(select(table).where(table.c.id == record_id))).first()
        return None if row is None else record_of(self._record, row)

    async def add(self, record: L) -> None:
        await self._w.lock(record.location_id)
        self._writes().put(self._values(record), new=True)

    async def save(self, record: L) -> None:
        await self._w.lock(record.location_id)
        self._writes().put(self._values(record), new=False)

    async def list(self, location_id: str, page: PageRequest) -> Page[L]:
        await self._w.flush()
        query = select(self._model).where(self._model.location_id == location_id)
        return await page_of_records(self._s, query, self._model, self._record, page)

    async def count(self, location_id: str) -> int:
        await self._w.flush()
        model = self._model
        query = select(func.count()).select_from(model).where(model.location_id == location_id)
        return int(await self._s.scalar(query) or 0)

    async def _by_key(self, location_id: str, key: Any, values: Collection[Any]) -> Sequence[L]:
        """The location's records whose `key` column holds one of `values`."""
        await self._w.lock(location_id)
        await self._w.flush()
        if not values:
            return []
        table = self._model.__table__
        query = select(table).where(
            table.c.location_id == location_id, key.in_(sorted(set(values)))
        )
        return [record_of(self._record, row) for row in (await self._s.execute(query)).all()]


class SqlContactRepository(_CrmRecords[Contact]):
    _model = ContactRow
    _record = Contact

    def _writes(self) -> TableWrites:
        return self._w.contacts

    def _values(self, record: Contact) -> dict[str, Any]:
        return contact_values(record)

    async def list(self, location_id: str, page: PageRequest) -> Page[Contact]:
        """An e-mail matches as contacts are matched: by its normalised form."""
        if "email" in page.filters.equal:
            equal = dict(page.filters.equal)
            equal["email_normalized"] = normalise_email(str(equal.pop("email")))
            page = page.filtered(replace(page.filters, equal=equal))
        return await super().list(location_id, page)

    async def find(self, location_id: str, keys: ContactKeys) -> Sequence[Contact]:
        await self._w.lock(location_id)
        await self._w.flush()
        table = ContactRow.__table__
        conditions: list[ColumnElement[bool]] = []
        if keys.woocommerce_customer_ids:
            conditions.append(
                table.c.woocommerce_customer_id.in_(sorted(keys.woocommerce_customer_ids))
            )
        if keys.emails:
            conditions.append(table.c.email_normalized.in_(sorted(keys.emails)))
        if keys.phones:
            conditions.append(table.c.phone_normalized.in_(sorted(keys.phones)))
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


class SqlOrderRepository(_CrmRecords[Order]):
    _model = OrderRow
    _record = Order

    def _writes(self) -> TableWrites:
        return self._w.orders

    async def get_by_woocommerce_id(self, location_id: str, woocommerce_id: int) -> Order | None:
        found = await self.find(location_id, (woocommerce_id,))
        return found[0] if found else None

    async def find(self, location_id: str, woocommerce_ids: Collection[int]) -> Sequence[Order]:
        return await self._by_key(location_id, OrderRow.woocommerce_order_id, woocommerce_ids)

    async def numbers(self, order_ids: Collection[str]) -> Mapping[str, str]:
        await self._w.flush()
        if not order_ids:
            return {}
        query = select(OrderRow.id, OrderRow.number).where(OrderRow.id.in_(sorted(set(order_ids))))
        return {row.id: row.number for row in (await self._s.execute(query)).all()}


class SqlTransactionRepository(_CrmRecords[Transaction]):
    _model = TransactionRow
    _record = Transaction

    def _writes(self) -> TableWrites:
        return self._w.transactions

    async def find(
        self, location_id: str, woocommerce_refs: Collection[str]
    ) -> Sequence[Transaction]:
        return await self._by_key(location_id, TransactionRow.woocommerce_ref, woocommerce_refs)
