"""Lists as the in-memory repositories answer them, the way the SQL ones do
(`adapters.persistence.listing`): newest first, a page after a cursor, filtered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from wooconnect.app.ports.persistence import Filters, Page, PageRequest


class Identified(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=Identified)


def kept(record: object, filters: Filters) -> bool:
    """Whether `filters` keeps `record`."""
    for name, value in filters.equal.items():
        if getattr(record, name) != value:
            return False
    for span in filters.spans:
        moment = getattr(record, span.field)
        if moment is None:
            return False
        if span.since is not None and moment < span.since:
            return False
        if span.before is not None and moment >= span.before:
            return False
    return True


def page(items: Iterable[R], asked: PageRequest) -> Page[R]:
    """Newest first (descending id: ids are time-ordered), after the cursor, kept by the
    filters."""
    cursor = asked.cursor
    chosen = (i for i in items if (cursor is None or i.id < cursor) and kept(i, asked.filters))
    ordered = sorted(chosen, key=lambda i: i.id, reverse=True)
    chunk = ordered[: asked.limit]
    return Page(chunk, chunk[-1].id if len(ordered) > asked.limit else None)
