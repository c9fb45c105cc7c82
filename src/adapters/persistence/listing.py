"""Lists as the repositories answer them: newest first, a page after a cursor, filtered.

Ids are time-ordered (UUIDv7), so newest first is descending id order and a cursor is the id
of the last row of the page before. Filters name the record's fields, which are the row's
columns (see `records`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.records import record_of
from wooconnect.app.ports.persistence import Filters, Page, PageRequest

R = TypeVar("R")


def filtered(query: Select[Any], model: Any, filters: Filters) -> Select[Any]:
    """`query` keeping only the rows of `model` that `filters` keeps."""
    for name, value in filters.equal.items():
        query = query.where(getattr(model, name) == value)
    for span in filters.spans:
        column = getattr(model, span.field)
        if span.since is not None:
            query = query.where(column >= span.since)
        if span.before is not None:
            query = query.where(column < span.before)
    return query


async def page_of_rows(
    session: AsyncSession, query: Select[Any], model: Any, page: PageRequest
) -> Page[Any]:
    """The rows of `query` on the page asked for: up to `page.limit` rows of `model` that its
    filters keep, newest first, after its cursor; with the cursor of the next page (None at
    the end)."""
    query = filtered(query, model, page.filters)
    if page.cursor:
        query = query.where(model.id < page.cursor)
    limit = page.limit
    rows = list((await session.scalars(query.order_by(model.id.desc()).limit(limit + 1))).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


async def page_of_records(
    session: AsyncSession, query: Select[Any], model: Any, record: type[R], page: PageRequest
) -> Page[R]:
    """`page_of_rows`, each row as the `record` it holds under its field names (`records`)."""
    rows = await page_of_rows(session, query, model, page)
    return rows.map(lambda row: record_of(record, row))
