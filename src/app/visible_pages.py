"""Queries for a page of one location's or one connection's records, which answer only a
principal who may see that location or connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, overload

from wooconnect.app.auth import Principal
from wooconnect.app.ports.persistence import Page, PageRequest, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
V = TypeVar("V")

# `visible_location` or `visible_connection`: NotFound unless the principal may see the scope.
Visibility = Callable[[UnitOfWork, Principal, str], Awaitable[object]]
# A repository's list method: a page of the scope's records.
Listing = Callable[[str, PageRequest], Awaitable[Page[T]]]
# What the page is shown as, read in the same unit of work (the records' delivery states, say).
Views = Callable[[UnitOfWork, Page[T]], Awaitable[Page[V]]]


class Reader(Protocol):
    """What a page query is a method of: a use case that opens its own units of work."""

    @property
    def uow(self) -> UnitOfWorkFactory: ...


PageQuery = Callable[[Reader, Principal, str, PageRequest], Awaitable[Page[T]]]


@overload
def page_query(
    visible: Visibility, listing: Callable[[UnitOfWork], Listing[T]]
) -> PageQuery[T]: ...
@overload
def page_query(
    visible: Visibility, listing: Callable[[UnitOfWork], Listing[T]], views: Views[T, V]
) -> PageQuery[V]: ...
def page_query(
    visible: Visibility,
    listing: Callable[[UnitOfWork], Listing[Any]],
    views: Views[Any, Any] | None = None,
) -> PageQuery[Any]:
    """The query `(principal, scope_id, page)` for a page that `listing` reads of the scope
    (a location or a connection), shown as `views` makes it: the records as listed without."""

    async def query(
        self: Reader, principal: Principal, scope_id: str, page: PageRequest
    ) -> Page[Any]:
        async with self.uow() as uow:
            await visible(uow, principal, scope_id)
            records = await listing(uow)(scope_id, page)
            return records if views is None else await views(uow, records)

    return query
