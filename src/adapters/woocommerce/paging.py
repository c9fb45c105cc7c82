"""Fetching numbered pages concurrently while handing them out strictly in page order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from domain.store import StorePage

T = TypeVar("T")


async def ordered_pages(
    fetch: Callable[[int], Awaitable[StorePage[T]]], *, start_page: int, concurrency: int
) -> AsyncIterator[StorePage[T]]:
    """Yield pages `start_page`, `start_page + 1`, ... in order, each fetched exactly once.

    The first page comes alone, to learn the page count; then up to `concurrency` pages are in
    flight ahead of the consumer (a sliding window, so a slow page never lets the others pile
    up in memory). When a later response reports more pages (the store grew during the run),
    the extra pages are fetched too. `concurrency=1` is the plain sequential pager. Closing the
    generator early (`contextlib.aclosing`) cancels whatever is still in flight.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    first = await fetch(start_page)
    yield first
    last_page = first.total_pages
    cursor = start_page + 1
    launched = start_page
    in_flight: dict[int, asyncio.Task[StorePage[T]]] = {}
    try:
        while cursor <= last_page:
            while launched < last_page and launched - cursor + 1 < concurrency:
                launched += 1
                in_flight[launched] = asyncio.ensure_future(fetch(launched))
            page = await in_flight.pop(cursor)
            last_page = max(last_page, page.total_pages)
            yield page
            cursor += 1
    finally:
        for task in in_flight.values():
            task.cancel()
        await asyncio.gather(*in_flight.values(), return_exceptions=True)
