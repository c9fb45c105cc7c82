"""Repositories of contacts, orders and transactions: idempotent upserts keyed by the store's
ids, safe under concurrent writers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.crm_batch import (
    ContactIndex,
    OrderIndex,
    PendingWrites,
    TransactionIndex,
    contact_values,
    order_values,
    transaction_values,
)
from adapters.persistence.models import ContactRow, OrderRow, TransactionRow
from app.errors import Conflict
from app.ports.basics import Clock
from app.ports.persistence import Page, Upserted
from domain.crm import (
    SOURCE_SUBTYPE,
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


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _locked(session: AsyncSession, query: Select[Any]) -> Select[Any]:
    """Rows read to be written are locked on PostgreSQL (SQLite's write lock covers them)."""
    return query.with_for_update() if _is_postgres(session) else query


def _is_newer(draft: datetime | None, stored: datetime | None) -> bool:
    """A draft changes a stored record unless both carry versions and the draft's is not newer."""
    return draft is None or stored is None or draft > stored


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
    convert: Callable[[Any], T],
    location_id: str,
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """One page of a location's records, in id (creation) order."""
    query = select(model).where(model.location_id == location_id)
    rows, next_cursor = await _page(session, query, model.id, cursor, limit)
    return Page([convert(row) for row in rows], next_cursor)


async def _location_count(session: AsyncSession, model: Any, location_id: str) -> int:
    query = select(func.count()).select_from(model).where(model.location_id == location_id)
    return int(await session.scalar(query) or 0)


def _contact(row: Any) -> Contact:
    """A contact from its ORM row or a plain result row."""
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
    """Contacts. Once a location's contacts are preloaded, its resolutions and upserts are
    answered in memory and their writes deferred to the commit (see `crm_batch`)."""

    def __init__(
        self, session: AsyncSession, clock: Clock, pending: PendingWrites | None = None
    ) -> None:
        self._s = session
        self._clock = clock
        self._pending = pending or PendingWrites(session)

    async def get(self, contact_id: str) -> Contact | None:
        for index in self._pending.contact_index.values():
            if contact_id in index.rows:
                return index.rows[contact_id]
        await self._pending.flush()
        row = await self._s.get(ContactRow, contact_id)
        return None if row is None else _contact(row)

    async def preload(
        self,
        location_id: str,
        *,
        woocommerce_customer_ids: Iterable[int],
        emails: Iterable[str | None],
        phones: Iterable[str | None],
    ) -> None:
        index = self._pending.contact_index.setdefault(location_id, ContactIndex())
        await self._load(
            location_id,
            index,
            set(woocommerce_customer_ids),
            {key for key in map(normalise_email, emails) if key is not None},
            {key for key in map(normalise_phone, phones) if key is not None},
        )

    async def _load(
        self,
        location_id: str,
        index: ContactIndex,
        woo_ids: set[int],
        emails: set[str],
        phones: set[str],
    ) -> None:
        woo_ids, emails, phones = index.missing(woo_ids, emails, phones)
        table = ContactRow.__table__
        conditions: list[ColumnElement[bool]] = []
        if woo_ids:
            conditions.append(table.c.woocommerce_customer_id.in_(sorted(woo_ids)))
        if emails:
            conditions.append(table.c.email_normalized.in_(sorted(emails)))
        if phones:
            conditions.append(table.c.phone_normalized.in_(sorted(phones)))
        if not conditions:
            return
        mine = table.c.location_id == location_id
        query: Any
        if _is_postgres(self._s):
            query = select(table).where(mine, or_(*conditions)).with_for_update()
        else:
            # One SELECT per key, so that each uses its index (an OR of them scans the
            # location's contacts); a row found twice is taken once.
            query = union_all(*(select(table).where(mine, c) for c in conditions))
        rows = (await self._s.execute(query)).all()
        index.loaded(rows, _contact, woo_ids, emails, phones)

    async def _indexed(
        self, location_id: str, woo_id: int | None, email: str | None, phone: str | None
    ) -> tuple[ContactIndex, str | None, str | None] | None:
        """The location's index with these keys loaded, and the normalised keys; None when
        the location was not preloaded."""
        index = self._pending.contact_index.get(location_id)
        if index is None:
            return None
        email_key, phone_key = normalise_email(email), normalise_phone(phone)
        if index.has(woo_id, email_key, phone_key):
            return index, email_key, phone_key
        await self._load(
            location_id,
            index,
            set() if woo_id is None else {woo_id},
            set() if email_key is None else {email_key},
            set() if phone_key is None else {phone_key},
        )
        return index, email_key, phone_key

    async def resolve(
        self,
        location_id: str,
        *,
        woocommerce_customer_id: int | None,
        email: str | None,
        phone: str | None,
    ) -> Contact | None:
        indexed = await self._indexed(location_id, woocommerce_customer_id, email, phone)
        if indexed is not None:
            index, email_key, phone_key = indexed
            return index.resolve(woocommerce_customer_id, email_key, phone_key)
        await self._pending.flush()
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
        indexed = await self._indexed(
            location_id, draft.woocommerce_customer_id, draft.email, draft.phone
        )
        if indexed is not None:
            return self._upsert_indexed(location_id, draft, update_existing, *indexed)
        await self._pending.flush()
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

    def _upsert_indexed(
        self,
        location_id: str,
        draft: ContactDraft,
        update_existing: bool,
        index: ContactIndex,
        email_key: str | None,
        phone_key: str | None,
    ) -> Upserted[Contact]:
        """`upsert` against the loaded rows; the same decisions, the write deferred."""
        now = self._clock.now()
        found = index.resolve(draft.woocommerce_customer_id, email_key, phone_key)
        if found is None:
            if email_key is not None and index.email_owner(email_key) is not None:
                # The e-mail is another store customer's: the database would refuse the row.
                raise Conflict("contact_conflict", "the contact could not be stored; try again")
            created = Contact(
                id=new_id(),
                location_id=location_id,
                woocommerce_customer_id=draft.woocommerce_customer_id,
                email=(draft.email or "").strip() or None,
                phone=(draft.phone or "").strip() or None,
                first_name=draft.first_name,
                last_name=draft.last_name,
                is_guest=draft.is_guest,
                created_at=now,
                updated_at=now,
                source_modified_at=draft.source_modified_at,
            )
            index.put(created)
            self._pending.contacts.put(contact_values(created), new=True)
            return Upserted(value=created, created=True, changed=True)
        if not update_existing or not _is_newer(draft.source_modified_at, found.source_modified_at):
            return Upserted(value=found, created=False, changed=False, previous=found)
        changes: dict[str, Any] = {
            "first_name": draft.first_name or found.first_name,
            "last_name": draft.last_name or found.last_name,
            "updated_at": now,
        }
        if draft.woocommerce_customer_id is not None:
            changes["woocommerce_customer_id"] = draft.woocommerce_customer_id
            changes["is_guest"] = False
        if draft.source_modified_at is not None:
            changes["source_modified_at"] = draft.source_modified_at
        if phone_key is not None:
            changes["phone"] = (draft.phone or "").strip()
        if (
            email_key is not None
            and email_key != normalise_email(found.email)
            # An e-mail that is another contact's stays theirs; this contact keeps its own.
            and index.email_owner(email_key) in (None, found.id)
        ):
            changes["email"] = (draft.email or "").strip()
        updated = replace(found, **changes)
        index.put(updated, previous=found)
        self._pending.contacts.put(contact_values(updated), new=False)
        return Upserted(value=updated, created=False, changed=True, previous=found)

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
        await self._pending.flush()
        return await _location_page(self._s, ContactRow, _contact, location_id, cursor, limit)

    async def count(self, location_id: str) -> int:
        await self._pending.flush()
        return await _location_count(self._s, ContactRow, location_id)


def _order(row: Any) -> Order:
    """An order from its ORM row or a plain result row."""
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
    """Orders. Once a location's orders are preloaded, their upserts are answered in memory
    and their writes deferred to the commit (see `crm_batch`)."""

    def __init__(
        self, session: AsyncSession, clock: Clock, pending: PendingWrites | None = None
    ) -> None:
        self._s = session
        self._clock = clock
        self._pending = pending or PendingWrites(session)

    async def get(self, order_id: str) -> Order | None:
        for index in self._pending.order_index.values():
            for order in index.by_woo.values():
                if order is not None and order.id == order_id:
                    return order
        await self._pending.flush()
        row = await self._s.get(OrderRow, order_id, populate_existing=True)
        return None if row is None else _order(row)

    async def get_by_woocommerce_id(self, location_id: str, woocommerce_id: int) -> Order | None:
        index = await self._indexed(location_id, {woocommerce_id})
        if index is not None:
            return index.by_woo[woocommerce_id]
        row = await self._row(location_id, woocommerce_id)
        return None if row is None else _order(row)

    async def preload(self, location_id: str, woocommerce_ids: Iterable[int]) -> None:
        self._pending.order_index.setdefault(location_id, OrderIndex())
        await self._indexed(location_id, set(woocommerce_ids))

    async def _indexed(self, location_id: str, woo_ids: set[int]) -> OrderIndex | None:
        """The location's index with `woo_ids` loaded; None when it was not preloaded."""
        index = self._pending.order_index.get(location_id)
        if index is None:
            return None
        missing = woo_ids - index.by_woo.keys()
        if missing:
            table = OrderRow.__table__
            query = select(table).where(
                table.c.location_id == location_id,
                table.c.woocommerce_order_id.in_(sorted(missing)),
            )
            index.by_woo.update(dict.fromkeys(missing))
            for row in (await self._s.execute(_locked(self._s, query))).all():
                index.put(_order(row))
        return index

    async def _row(self, location_id: str, woocommerce_id: int) -> OrderRow | None:
        await self._pending.flush()
        query = select(OrderRow).where(
            OrderRow.location_id == location_id, OrderRow.woocommerce_order_id == woocommerce_id
        )
        # Core updates bypass the session: a row it holds already is read afresh.
        query = query.execution_options(populate_existing=True)
        row: OrderRow | None = await self._s.scalar(_locked(self._s, query))
        return row

    async def upsert(self, location_id: str, draft: OrderDraft) -> Upserted[Order]:
        index = await self._indexed(location_id, {draft.woocommerce_order_id})
        if index is not None:
            return self._upsert_indexed(location_id, draft, index)
        await self._pending.flush()
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
                source_subtype=SOURCE_SUBTYPE,
                created_at=now,
                updated_at=now,
                **values,
            )
            .on_conflict_do_nothing(index_elements=["location_id", "woocommerce_order_id"])
            .returning(*OrderRow.__table__.c)
        )
        created = inserted.one_or_none()
        if created is not None:
            return Upserted(value=_order(created), created=True, changed=True)
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
            update(OrderRow)
            .where(OrderRow.id == row.id)
            .values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        current = replace(
            previous,
            **{**values, "status": draft.status},
            updated_at=now,
        )
        return Upserted(value=current, created=False, changed=True, previous=previous)

    def _upsert_indexed(
        self, location_id: str, draft: OrderDraft, index: OrderIndex
    ) -> Upserted[Order]:
        """`upsert` against the loaded rows; the same decisions, the write deferred."""
        now = self._clock.now()
        found = index.by_woo[draft.woocommerce_order_id]
        if found is None:
            created = Order(
                id=new_id(),
                location_id=location_id,
                woocommerce_order_id=draft.woocommerce_order_id,
                number=draft.number,
                contact_id=draft.contact_id,
                status=draft.status,
                store_status=draft.store_status,
                currency=draft.currency,
                total=draft.total,
                paid_at=draft.paid_at,
                placed_at=draft.placed_at,
                source_modified_at=draft.source_modified_at,
                created_at=now,
                updated_at=now,
                deleted=draft.deleted,
                source_subtype=SOURCE_SUBTYPE,
            )
            index.put(created)
            self._pending.orders.put(order_values(created), new=True)
            return Upserted(value=created, created=True, changed=True)
        if not _is_newer(draft.source_modified_at, found.source_modified_at) and (
            draft.source_modified_at != found.source_modified_at
        ):
            return Upserted(value=found, created=False, changed=False, previous=found)
        updated = replace(
            found,
            number=draft.number,
            contact_id=draft.contact_id or found.contact_id,
            status=draft.status,
            store_status=draft.store_status,
            currency=draft.currency,
            total=draft.total,
            # A payment date is set once and never cleared by the store; keep the first one.
            paid_at=found.paid_at or draft.paid_at,
            placed_at=draft.placed_at,
            source_modified_at=draft.source_modified_at,
            deleted=draft.deleted,
            updated_at=found.updated_at,
        )
        if updated == found:
            # The same version with the same data. (The store's dates have whole seconds: the
            # same version with other data is a later change within that second.)
            return Upserted(value=found, created=False, changed=False, previous=found)
        updated = replace(updated, updated_at=now)
        index.put(updated)
        self._pending.orders.put(order_values(updated), new=False)
        return Upserted(value=updated, created=False, changed=True, previous=found)

    async def mark_deleted(
        self, location_id: str, woocommerce_id: int, deleted: bool
    ) -> Order | None:
        index = await self._indexed(location_id, {woocommerce_id})
        if index is not None:
            found = index.by_woo[woocommerce_id]
            if found is None or found.deleted == deleted:
                return found
            marked = replace(found, deleted=deleted, updated_at=self._clock.now())
            index.put(marked)
            self._pending.orders.put(order_values(marked), new=False)
            return marked
        row = await self._row(location_id, woocommerce_id)
        if row is None:
            return None
        if row.deleted != deleted:
            row.deleted = deleted
            row.updated_at = self._clock.now()
            await self._s.flush()
        return _order(row)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Order]:
        await self._pending.flush()
        return await _location_page(self._s, OrderRow, _order, location_id, cursor, limit)

    async def count(self, location_id: str) -> int:
        await self._pending.flush()
        return await _location_count(self._s, OrderRow, location_id)


def _transaction(row: Any) -> Transaction:
    """A transaction from its ORM row or a plain result row."""
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
    """Transactions. Once a location's references are preloaded, their upserts are answered
    in memory and their writes deferred to the commit (see `crm_batch`)."""

    def __init__(
        self, session: AsyncSession, clock: Clock, pending: PendingWrites | None = None
    ) -> None:
        self._s = session
        self._clock = clock
        self._pending = pending or PendingWrites(session)

    async def preload(self, location_id: str, woocommerce_refs: Iterable[str]) -> None:
        self._pending.transaction_index.setdefault(location_id, TransactionIndex())
        await self._indexed(location_id, set(woocommerce_refs))

    async def _indexed(self, location_id: str, refs: set[str]) -> TransactionIndex | None:
        """The location's index with `refs` loaded; None when it was not preloaded."""
        index = self._pending.transaction_index.get(location_id)
        if index is None:
            return None
        missing = refs - index.by_ref.keys()
        if missing:
            table = TransactionRow.__table__
            query = select(table).where(
                table.c.location_id == location_id, table.c.woocommerce_ref.in_(sorted(missing))
            )
            index.by_ref.update(dict.fromkeys(missing))
            for row in (await self._s.execute(_locked(self._s, query))).all():
                index.put(_transaction(row))
        return index

    async def upsert(self, location_id: str, draft: TransactionDraft) -> Upserted[Transaction]:
        index = await self._indexed(location_id, {draft.woocommerce_ref})
        if index is not None:
            return self._upsert_indexed(location_id, draft, index)
        await self._pending.flush()
        values: dict[str, Any] = {
            "order_id": draft.order_id,
            "contact_id": draft.contact_id,
            "kind": draft.kind.value,
            "amount": draft.amount,
            "currency": draft.currency,
            "payment_method": draft.payment_method,
            "occurred_at": draft.occurred_at,
        }
        inserted = await self._s.execute(
            _insert(self._s, TransactionRow)
            .values(
                id=new_id(),
                location_id=location_id,
                woocommerce_ref=draft.woocommerce_ref,
                created_at=self._clock.now(),
                **values,
            )
            .on_conflict_do_nothing(index_elements=["location_id", "woocommerce_ref"])
            .returning(*TransactionRow.__table__.c)
        )
        created = inserted.one_or_none()
        if created is not None:
            return Upserted(value=_transaction(created), created=True, changed=True)
        table = TransactionRow.__table__
        query = select(table).where(
            table.c.location_id == location_id,
            table.c.woocommerce_ref == draft.woocommerce_ref,
        )
        row = (await self._s.execute(query)).one()
        previous = _transaction(row)
        current = replace(
            previous, **{k: v for k, v in values.items() if k != "kind"}, kind=draft.kind
        )
        if current == previous:
            return Upserted(value=previous, created=False, changed=False, previous=previous)
        await self._s.execute(
            update(TransactionRow)
            .where(TransactionRow.id == previous.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return Upserted(value=current, created=False, changed=True, previous=previous)

    def _upsert_indexed(
        self, location_id: str, draft: TransactionDraft, index: TransactionIndex
    ) -> Upserted[Transaction]:
        """`upsert` against the loaded rows; the same decisions, the write deferred."""
        found = index.by_ref[draft.woocommerce_ref]
        if found is None:
            created = Transaction(
                id=new_id(),
                location_id=location_id,
                woocommerce_ref=draft.woocommerce_ref,
                order_id=draft.order_id,
                contact_id=draft.contact_id,
                kind=draft.kind,
                amount=draft.amount,
                currency=draft.currency,
                payment_method=draft.payment_method,
                occurred_at=draft.occurred_at,
                created_at=self._clock.now(),
            )
            index.put(created)
            self._pending.transactions.put(transaction_values(created), new=True)
            return Upserted(value=created, created=True, changed=True)
        current = replace(
            found,
            order_id=draft.order_id,
            contact_id=draft.contact_id,
            kind=draft.kind,
            amount=draft.amount,
            currency=draft.currency,
            payment_method=draft.payment_method,
            occurred_at=draft.occurred_at,
        )
        if current == found:
            return Upserted(value=found, created=False, changed=False, previous=found)
        index.put(current)
        self._pending.transactions.put(transaction_values(current), new=False)
        return Upserted(value=current, created=False, changed=True, previous=found)

    async def list(self, location_id: str, *, cursor: str | None, limit: int) -> Page[Transaction]:
        await self._pending.flush()
        return await _location_page(
            self._s, TransactionRow, _transaction, location_id, cursor, limit
        )

    async def count(self, location_id: str) -> int:
        await self._pending.flush()
        return await _location_count(self._s, TransactionRow, location_id)
