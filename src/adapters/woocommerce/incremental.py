"""Incremental runs that lose nothing while the store keeps changing: keyset paging on the
modification time with an overlap window, deduplicated by record version."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from wooconnect.domain.store import StoreOrder, StorePage

# Fetch page `page` of "modified after `after`, oldest first".
FetchModified = Callable[[datetime, int], Awaitable[StorePage[StoreOrder]]]


async def changed_since(
    fetch: FetchModified, since: datetime, *, overlap: timedelta, page_size: int
) -> AsyncIterator[StorePage[StoreOrder]]:
    """Every record modified after `since - overlap`, each version once.

    Each request asks for what was modified after the newest modification seen so far (minus
    the overlap: `modified_after` is exclusive and second-grained), so a record modified during
    the run moves *ahead* of the cursor and is read again, instead of shifting an unread record
    onto a page already read, which numbered pages would do. Versions are deduplicated by
    (id, date_modified_gmt); a bad record is reported once. When a whole page falls inside the
    overlap, the next page of the same query is read, so the run always progresses; a page
    that is not full ends the run (one request when little changed). Yielded pages are
    numbered 1, 2, ...; checkpoint on the newest `date_modified_gmt` processed.
    """
    seen: set[tuple[int, datetime | None]] = set()
    reported: set[str] = set()
    cursor = since
    page_in_query = 1
    yielded = 0
    while True:
        page = await fetch(cursor - overlap, page_in_query)
        fresh = tuple(o for o in page.items if (o.id, o.date_modified_gmt) not in seen)
        seen.update((o.id, o.date_modified_gmt) for o in page.items)
        errors = tuple(e for e in page.errors if e.record_id not in reported)
        reported.update(e.record_id for e in errors)
        if fresh or errors:
            yielded += 1
            yield StorePage(
                items=fresh,
                page=yielded,
                total=page.total,
                total_pages=page.total_pages,
                errors=errors,
            )
        if len(page.items) + len(page.errors) < page_size:
            return  # the listing ended: what changes from now on is newer than the checkpoint
        newest = max((o.date_modified_gmt for o in fresh if o.date_modified_gmt), default=None)
        if newest is not None and newest > cursor:
            cursor, page_in_query = newest, 1
        else:
            page_in_query += 1
