"""Fetching numbered pages concurrently while handing them out strictly in page order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from wooconnect.domain.store import StorePage

T = TypeVar("T")


async def ordered_pages(
    fetch: Callable[[int], Awaitable[StorePage[T]]], *, start_page: int, concurrency: int
) -> AsyncIterator[StorePage[T]]:
    """Yield pages `start_page`, `start_page + 1`, ... in order, each fetched exactly once.

    The first page comes alone, to learn the page count; from then on `concurrency` requests
    are in flight ahead of the page the consumer holds, so fetching overlaps the consumer's
    work on it (a sliding window: a slow page never lets the others pile up in memory). When a
    later response reports more pages (the store grew during the run), the extra pages are
    fetched too. `concurrency=1` is the sequential pager: one request at a time. Closing the
    generator early (`contextlib.aclosing`) cancels whatever is still in flight.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    first = await fetch(start_page)
    last_page = first.total_pages
    next_page = start_page + 1  # the next page to hand out
    launched = start_page
    in_flight: dict[int, asyncio.Task[StorePage[T]]] = {}

    def top_up() -> None:
        nonlocal launched
        while launched < last_page and launched - next_page + 1 < concurrency:
            launched += 1
            in_flight[launched] = asyncio.ensure_future(fetch(launched))

    try:
        top_up()
        yield first
        while next_page <= last_page:
            top_up()
            page = await in_flight.pop(next_page)
            last_page = max(last_page, page.total_pages)
            next_page += 1
            top_up()
            yield page
    finally:
        for task in in_flight.values():
            task.cancel()
        await asyncio.gather(*in_flight.values(), return_exceptions=True)
