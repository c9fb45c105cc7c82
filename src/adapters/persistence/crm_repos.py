"""Repositories of contacts, orders and transactions: idempotent upserts keyed by the store's
ids, safe under concurrent writers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.models import ContactRow, OrderRow, TransactionRow
from app.errors import Conflict
from app.ports.basics import Clock
from app.ports.persistence import Page, Upserted
from domain.crm import (
    Contact,
    ContactDraft,
    CrmOrderStatus,
    Order,
    OrderDraft,
    Transaction,
    TransactionDraft,
    TransactionKind,
    normalise_email,
    normalise_phone,
)
from domain.ids import new_id


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)


def _is_newer(draft: datetime | None, stored: datetime | None) -> bool:
    """A draft changes a stored record unless both carry versions and the draft's is not newer."""
    return draft is None or stored is None or draft > stored


async def _page(
    session: AsyncSession, query: Select[Any], id_col: Any, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    if cursor:
        query = query.where(id_col > cursor)
    rows = list((await session.scalars(query.order_by(id_col).limit(limit + 1))).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def _contact(row: ContactRow) -> Contact:
    return Contact(
        id=row.id,
        location_id=row.location_id,
        woocommerce_customer_id=row.woocommerce_customer_id,
        email=row.email,
        phone=row.phone,
        first_name=row.first_name,
        last_name=row.last_name,
        is_guest=row.is_guest,
        created_at=row.created_at,
        updated_at=row.updated_at,
        source_modified_at=row.source_modified_at,
    )


class SqlContactRepository:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._s = session
        self._clock = clock

    async def get(self, contact_id: str) -> Contact | None:
        row = await self._s.get(ContactRow, contact_id)
        return None if row is None else _contact(row)

    async def resolve(
        self,
        location_id: str,
        *,
        woocommerce_customer_id: int | None,
        email: str | None,
        phone: str | None,
    ) -> Contact | None:
        row = await self._resolve_row(location_id, woocommerce_customer_id, email, phone)
        return None if row is None else _contact(row)

    async def _resolve_row(
        self, location_id: str, woo_id: int | None, email: str | None, phone: str | None
    ) -> ContactRow | None:
        base = select(ContactRow).where(ContactRow.location_id == location_id)
        if self._s.get_bind().dialect.name == "postgresql":
            base = base.with_for_update()
        if woo_id is not None:
            row = await self._s.scalar(base.where(ContactRow.woocommerce_customer_id == woo_id))
            if row is not None:
                return row
            # Never merge two different store customers: only unowned contacts match below.
            base = base.where(
                or_(
                    ContactRow.woocommerce_customer_id.is_(None),
                    ContactRow.woocommerce_customer_id == woo_id,
                )
            )
        key = normalise_email(email)
        if key is not None:
            row = await self._s.scalar(base.where(ContactRow.email_normalized == key))
            if row is not None:
                return row
        digits = normalise_phone(phone)
        if digits is not None:
            return await self._s.scalar(
                base.where(ContactRow.phone_normalized == digits).order_by(ContactRow.id).limit(1)
            )
        return None

    async def upsert(
        self, location_id: str, draft: ContactDraft, *, update_existing: bool = True
    ) -> Upserted[Contact]:
        for _attempt in range(3):
            row = await self._resolve_row(
                location_id, draft.woocommerce_customer_id, draft.email, draft.phone
            )
            if row is not None:
                return await self._update(row, draft, update_existing)
            created = await self._try_insert(location_id, draft)
            if created is not None:
                return Upserted(value=created, created=True, changed=True)
            # A concurrent writer created the same person: resolve again and update that row.
        raise Conflict("contact_conflict", "the contact could not be stored; try again")

    async def _try_insert(self, location_id: str, draft: ContactDraft) -> Contact | None:
        now = self._clock.now()
        row = ContactRow(
            id=new_id(),
            location_id=location_id,
            woocommerce_customer_id=draft.woocommerce_customer_id,
            email=(draft.email or "").strip() or None,
            email_normalized=normalise_email(draft.email),
            phone=(draft.phone or "").strip() or None,
            phone_normalized=normalise_phone(draft.phone),
            first_name=draft.first_name,
            last_name=draft.last_name,
            is_guest=draft.is_guest,
            source_modified_at=draft.source_modified_at,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._s.begin_nested():
                self._s.add(row)
        except IntegrityError:
            return None
        return _contact(row)

    async def _update(
        self, row: ContactRow, draft: ContactDraft, update_existing: bool
    ) -> Upserted[Contact]:
        previous = _contact(row)
        if not update_existing or not _is_newer(draft.source_modified_at, row.source_modified_at):
            return Upserted(value=previous, created=False, changed=False, previous=previous)
        values: dict[str, Any] = {
            "first_name": draft.first_name or row.first_name,
            "last_name": draft.last_name or row.last_name,
            "updated_at": self._clock.now(),
        }
        if draft.woocommerce_customer_id is not None:
            values["woocommerce_customer_id"] = draft.woocommerce_customer_id
            values["is_guest"] = False
        if draft.source_modified_at is not None:
            values["source_modified_at"] = draft.source_modified_at
        if normalise_phone(draft.phone) is not None:
            values["phone"] = (draft.phone or "").strip()
            values["phone_normalized"] = normalise_phone(draft.phone)
        email_key = normalise_email(draft.email)
        if email_key is not None and email_key != row.email_normalized:
            values["email"] = (draft.email or "").strip()
            values["email_normalized"] = email_key
        statement = update(ContactRow).where(ContactRow.id == row.id)
        try:
            async with self._s.begin_nested():
                await self._s.execute(statement.values(**values))
        except IntegrityError:
            # The new e-mail belongs to another contact: keep this contact's e-mail.
            values.pop("email", None)
            values.pop("email_normalized", None)
            async with self._s.begin_nested():
                await self._s.execute(statement.values(**values))
        await self._s.refresh(row)
        return Upserted(value=_contact(row), created=False, changed=True, previous=previous)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Contact]:
        query = select(ContactRow).where(ContactRow.location_id == location_id)
        rows, next_cursor = await _page(self._s, query, ContactRow.id, cursor, limit)
        return Page([_contact(r) for r in rows], next_cursor)

    async def count(self, location_id: str) -> int:
        query = select(func.count()).select_from(ContactRow)
        return int(await self._s.scalar(query.where(ContactRow.location_id == location_id)) or 0)


def _order(row: OrderRow) -> Order:
    return Order(
        id=row.id,
        location_id=row.location_id,
        woocommerce_order_id=row.woocommerce_order_id,
        number=row.number,
        contact_id=row.contact_id,
        status=CrmOrderStatus(row.status),
        store_status=row.store_status,
        currency=row.currency,
        total=row.total,
        paid_at=row.paid_at,
        placed_at=row.placed_at,
        source_modified_at=row.source_modified_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted=row.deleted,
        source_subtype=row.source_subtype,
    )


class SqlOrderRepository:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._s = session
        self._clock = clock

    async def get(self, order_id: str) -> Order | None:
        row = await self._s.get(OrderRow, order_id)
        return None if row is None else _order(row)

    async def get_by_woocommerce_id(self, location_id: str, woocommerce_id: int) -> Order | None:
        row = await self._row(location_id, woocommerce_id)
        return None if row is None else _order(row)

    async def _row(self, location_id: str, woocommerce_id: int) -> OrderRow | None:
        query = select(OrderRow).where(
            OrderRow.location_id == location_id, OrderRow.woocommerce_order_id == woocommerce_id
        )
        if self._s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return await self._s.scalar(query)

    async def upsert(self, location_id: str, draft: OrderDraft) -> Upserted[Order]:
        now = self._clock.now()
        values: dict[str, Any] = {
            "number": draft.number,
            "contact_id": draft.contact_id,
            "status": draft.status.value,
            "store_status": draft.store_status,
            "currency": draft.currency,
            "total": draft.total,
            "paid_at": draft.paid_at,
            "placed_at": draft.placed_at,
            "source_modified_at": draft.source_modified_at,
            "deleted": draft.deleted,
        }
        new_id_ = new_id()
        inserted = await self._s.execute(
            _insert(self._s, OrderRow)
            .values(
                id=new_id_,
                location_id=location_id,
                woocommerce_order_id=draft.woocommerce_order_id,
                source_subtype="woocommerce",
                created_at=now,
                updated_at=now,
                **values,
            )
            .on_conflict_do_nothing(index_elements=["location_id", "woocommerce_order_id"])
            .returning(OrderRow.id)
        )
        if inserted.scalar_one_or_none() is not None:
            row = await self._s.get(OrderRow, new_id_)
            assert row is not None
            return Upserted(value=_order(row), created=True, changed=True)
        row = await self._row(location_id, draft.woocommerce_order_id)
        assert row is not None
        previous = _order(row)
        if values["contact_id"] is None:
            values["contact_id"] = row.contact_id
        # A payment date is set once and never cleared by the store; keep the first one seen.
        values["paid_at"] = row.paid_at or draft.paid_at
        if not _is_newer(draft.source_modified_at, row.source_modified_at) and (
            draft.source_modified_at != row.source_modified_at
            or all(getattr(row, name) == value for name, value in values.items())
        ):
            # Older, or the same version with the same data. (The store's dates have whole
            # seconds: the same version with other data is a later change within that second.)
            return Upserted(value=previous, created=False, changed=False, previous=previous)
        await self._s.execute(
            update(OrderRow).where(OrderRow.id == row.id).values(updated_at=now, **values)
        )
        await self._s.refresh(row)
        return Upserted(value=_order(row), created=False, changed=True, previous=previous)

    async def mark_deleted(
        self, location_id: str, woocommerce_id: int, deleted: bool
    ) -> Order | None:
        row = await self._row(location_id, woocommerce_id)
        if row is None:
            return None
        if row.deleted != deleted:
            row.deleted = deleted
            row.updated_at = self._clock.now()
            await self._s.flush()
        return _order(row)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Order]:
        query = select(OrderRow).where(OrderRow.location_id == location_id)
        rows, next_cursor = await _page(self._s, query, OrderRow.id, cursor, limit)
        return Page([_order(r) for r in rows], next_cursor)

    async def count(self, location_id: str) -> int:
        query = select(func.count()).select_from(OrderRow)
        return int(await self._s.scalar(query.where(OrderRow.location_id == location_id)) or 0)


def _transaction(row: TransactionRow) -> Transaction:
    return Transaction(
        id=row.id,
        location_id=row.location_id,
        woocommerce_ref=row.woocommerce_ref,
        order_id=row.order_id,
        contact_id=row.contact_id,
        kind=TransactionKind(row.kind),
        amount=row.amount,
        currency=row.currency,
        payment_method=row.payment_method,
        occurred_at=row.occurred_at,
        created_at=row.created_at,
    )


class SqlTransactionRepository:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._s = session
        self._clock = clock

    async def upsert(self, location_id: str, draft: TransactionDraft) -> Upserted[Transaction]:
        values: dict[str, Any] = {
            "order_id": draft.order_id,
            "contact_id": draft.contact_id,
            "kind": draft.kind.value,
            "amount": draft.amount,
            "currency": draft.currency,
            "payment_method": draft.payment_method,
            "occurred_at": draft.occurred_at,
        }
        new_id_ = new_id()
        inserted = await self._s.execute(
            _insert(self._s, TransactionRow)
            .values(
                id=new_id_,
                location_id=location_id,
                woocommerce_ref=draft.woocommerce_ref,
                created_at=self._clock.now(),
                **values,
            )
            .on_conflict_do_nothing(index_elements=["location_id", "woocommerce_ref"])
            .returning(TransactionRow.id)
        )
        created = inserted.scalar_one_or_none() is not None
        query = select(TransactionRow).where(
            TransactionRow.location_id == location_id,
            TransactionRow.woocommerce_ref == draft.woocommerce_ref,
        )
        row = await self._s.scalar(query)
        assert row is not None
        if created:
            return Upserted(value=_transaction(row), created=True, changed=True)
        previous = _transaction(row)
        current = replace(
            previous, **{k: v for k, v in values.items() if k != "kind"}, kind=draft.kind
        )
        if current == previous:
            return Upserted(value=previous, created=False, changed=False, previous=previous)
        await self._s.execute(
            update(TransactionRow).where(TransactionRow.id == row.id).values(**values)
        )
        await self._s.refresh(row)
        return Upserted(value=_transaction(row), created=False, changed=True, previous=previous)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Transaction]:
        query = select(TransactionRow).where(TransactionRow.location_id == location_id)
        rows, next_cursor = await _page(self._s, query, TransactionRow.id, cursor, limit)
        return Page([_transaction(r) for r in rows], next_cursor)

    async def count(self, location_id: str) -> int:
        query = select(func.count()).select_from(TransactionRow)
        return int(
            await self._s.scalar(query.where(TransactionRow.location_id == location_id)) or 0
        )
