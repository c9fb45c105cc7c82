"""Lists as the repositories answer them: newest first, a page after a cursor, filtered.

Ids are time-ordered (UUIDv7), so newest first is descending id order and a cursor is the id
of the last row of the page before. Filters name the record's fields, which are the row's
columns (see `records`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.app.ports.persistence import NO_FILTERS, Filters


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
    session: AsyncSession,
    query: Select[Any],
    model: Any,
    cursor: str | None,
    limit: int,
    filters: Filters = NO_FILTERS,
) -> tuple[list[Any], str | None]:
    """Up to `limit` rows of `query` that `filters` keeps, newest first, after `cursor`; and
    the cursor of the next page (None at the end)."""
    query = filtered(query, model, filters)
    if cursor:
        query = query.where(model.id < cursor)
    rows = list((await session.scalars(query.order_by(model.id.desc()).limit(limit + 1))).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor
