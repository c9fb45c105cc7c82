"""`WooCommerceClient`: the store-client port over WooCommerce's REST API v3."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx
import msgspec

from wooconnect.adapters.woocommerce import decode
from wooconnect.adapters.woocommerce.auth import AuthMode, choose_auth_mode
from wooconnect.adapters.woocommerce.incremental import changed_since
from wooconnect.adapters.woocommerce.paging import ordered_pages
from wooconnect.adapters.woocommerce.retry import RetryPolicy
from wooconnect.adapters.woocommerce.ssrf import StoreAddressRefused, guard_store_url
from wooconnect.adapters.woocommerce.transport import StoreTransport, raise_for_store_error
from wooconnect.adapters.woocommerce.webhooks import WebhookManager
from wooconnect.adapters.woocommerce.window import StoreWindow, StoreWindows
from wooconnect.app.errors import UpstreamError, UpstreamRejected, UpstreamUndecodable
from wooconnect.app.ports.store import CredentialCheck, StoreAccess, StoreClient
from wooconnect.domain.connection import DEFAULT_STORE_CONCURRENCY
from wooconnect.domain.store import (
    StoreCustomer,
    StoreOrder,
    StorePage,
    StoreRefund,
    UndecodableRecord,
)

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True, slots=True)
class _Listing(Generic[T]):
    """A paged collection of the REST API: where, with which filters, and how each record is
    decoded (`struct`) and made a store record (`convert`)."""

    path: str
    params: Mapping[str, str]
    struct: type[Any]
    convert: Callable[[Any], T]


def _orders(params: Mapping[str, str]) -> _Listing[StoreOrder]:
    return _Listing("orders", params, decode.ORDER_STRUCT, decode.to_order)


def _orders_modified_after(instant: datetime) -> _Listing[StoreOrder]:
    """Orders of any status modified after `instant`, by modification time ascending in UTC."""
    params = {"status": "any", "orderby": "modified", "order": "asc", "dates_are_gmt": "true"}
    return _orders({**params, "modified_after": _gmt(instant)})


# A store refuses per_page > 100 with 400 rest_invalid_param.
MAX_PAGE_SIZE = 100
_GUARD_TTL_S = 300.0


class WooCommerceClient(WebhookManager):
    """Implements `app.ports.store.StoreClient`.

    `http` is the process's shared client, owned (opened and closed) by the composition root.
    The requests in flight to one store, across all callers, are at most the connection's
    store concurrency (`StoreAccess.concurrency`), or `concurrency` (the deployment's default)
    when the connection has none; within that the store's window adapts to how the store copes
    (see `window`). A paging call may ask for fewer (`concurrency=1` pages sequentially).
    `retry`, `sleep`, `clock` (monotonic seconds) and `rng` are injectable so tests run fast
    and deterministically.
    `allow_private_stores` disables the SSRF guard (development and tests only).
    `on_error(connection_id, code)` hears of every request that failed (after the retries),
    except a 404: a missing record or route is an answer its caller expects.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        concurrency: int = DEFAULT_STORE_CONCURRENCY,
        page_size: int = MAX_PAGE_SIZE,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        allow_private_stores: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        on_error: Callable[[str, str], Awaitable[None]] | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._transport = StoreTransport(
            http, retry=retry or RetryPolicy(), timeout=timeout, sleep=sleep, rng=rng
        )
        self._concurrency = concurrency
        self._page_size = page_size
        self._allow_private = allow_private_stores
        self._windows = StoreWindows(clock=clock)
        self._on_error = on_error
        self._guarded: dict[str, float] = {}
        # Connections whose server strips the Authorization header (learnt, then remembered).
        self._query_string_connections: set[str] = set()
        # Stores without `/refunds` (WooCommerce < 9.0), by store domain.
        self._no_refunds_route: set[str] = set()

    @property
    def concurrency(self) -> int:
        """The most requests in flight to a store whose connection sets no store concurrency."""
        return self._concurrency

    def window(self, access: StoreAccess) -> StoreWindow:
        """The window of requests in flight to `access`'s store, its ceiling the connection's."""
        return self._windows.get(access.store_url.domain, access.concurrency or self._concurrency)

    # -- credentials -------------------------------------------------------------------------

    async def check_credentials(self, access: StoreAccess) -> CredentialCheck:
        """Read one customer and one order; on https, detect a server that strips the
        Authorization header (Basic ignored, yet the keys work in the query string)."""
        await self._request(access, "GET", "customers", {"per_page": "1", "role": "all"})
        await self._request(access, "GET", "orders", {"per_page": "1", "status": "any"})
        return CredentialCheck(query_string_auth=self._mode(access) is AuthMode.QUERY_STRING)

    # -- collections -------------------------------------------------------------------------

    def customers(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        """Customers of every role, by id ascending. `role=all` because the store's default
        (`customer`) hides subscribers; eligibility is decided by the rules, not the store."""
        params = {"role": "all", "orderby": "id", "order": "asc"}
        customers = _Listing("customers", params, decode.CUSTOMER_STRUCT, decode.to_customer)
        return self._collection(access, customers, start_page, concurrency)

    async def customers_registered_since(
        self, access: StoreAccess, since: datetime
    ) -> AsyncIterator[StorePage[StoreCustomer]]:
        """Customers of every role registered after `since` (aware), newest first
        (`orderby=registered_date`, the user's registration time), one page at a time until a
        page reaches back to `since`. The store breaks no ties within a second, so callers
        read from a little before the newest registration they have seen."""
        if since.tzinfo is None:
            raise ValueError("customers_registered_since needs an aware datetime")
        params = {"role": "all", "orderby": "registered_date", "order": "desc"}
        listing = _Listing("customers", params, decode.CUSTOMER_STRUCT, decode.to_customer)
        number = 1
        while True:
            page = await self._fetch_page(access, listing, number)
            fresh = tuple(
                c for c in page.items if c.date_created_gmt is None or c.date_created_gmt > since
            )
            if fresh or page.errors:
                yield replace(page, items=fresh)
            if len(fresh) < len(page.items) or number >= page.total_pages:
                return
            number += 1

    def orders(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        """Orders of any status (`any` excludes trash and checkout drafts), by id ascending."""
        params = {"status": "any", "orderby": "id", "order": "asc"}
        return self._collection(access, _orders(params), start_page, concurrency)

    def orders_changed_since(
        self, access: StoreAccess, since: datetime, *, overlap: timedelta = timedelta(minutes=2)
    ) -> AsyncIterator[StorePage[StoreOrder]]:
        """Every order modified after `since - overlap` (aware), each version once, none missed
        while the store keeps changing (keyset paging; see `incremental.changed_since`)."""

        def fetch(after: datetime, page: int) -> Awaitable[StorePage[StoreOrder]]:
            return self._fetch_page(access, _orders_modified_after(after), page)

        return changed_since(fetch, since, overlap=overlap, page_size=self._page_size)

    def refunds(
        self, access: StoreAccess, *, start_page: int = 1, concurrency: int | None = None
    ) -> AsyncIterator[StorePage[StoreRefund]]:
        """Every refund: `/refunds` (WooCommerce ≥ 9.0), else each refunded order's refunds.

        In the fallback, page N holds the refunds of the orders on orders page N, so
        `start_page` keeps meaning "resume here"."""
        return self._refunds(access, start_page, concurrency)

    async def _refunds(
        self, access: StoreAccess, start_page: int, concurrency: int | None
    ) -> AsyncIterator[StorePage[StoreRefund]]:
        domain = access.store_url.domain
        if domain not in self._no_refunds_route:
            listing = _Listing(
                "refunds", {"orderby": "id", "order": "asc"}, decode.REFUND_STRUCT, decode.to_refund
            )
            pages = self._collection(access, listing, start_page, concurrency)
            try:
                async for page in pages:
                    yield page
                return
            except UpstreamRejected as exc:
                if exc.status != 404 or exc.store_code != "rest_no_route":
                    raise
                self._no_refunds_route.add(domain)
        async for orders_page in self.orders(
            access, start_page=start_page, concurrency=concurrency
        ):
            refunds: list[StoreRefund] = []
            errors = list(orders_page.errors)
            for order in orders_page.items:
                if order.refunds:
                    found, bad = await self._order_refunds(access, order.id)
                    refunds.extend(found)
                    errors.extend(bad)
            yield StorePage(
                items=tuple(refunds),
                page=orders_page.page,
                total=orders_page.total,
                total_pages=orders_page.total_pages,
                errors=tuple(errors),
            )

    async def _order_refunds(
        self, access: StoreAccess, order_id: int
    ) -> tuple[list[StoreRefund], list[UndecodableRecord]]:
        items: list[StoreRefund] = []
        errors: list[UndecodableRecord] = []
        listing = _Listing(
            f"orders/{order_id}/refunds",
            {},
            decode.REFUND_STRUCT,
            lambda raw: decode.to_refund(raw, order_id),
        )
        pages = self._collection(access, listing, 1, 1)
        async for page in pages:
            items.extend(page.items)
            errors.extend(page.errors)
        return items, errors

    # -- single records ----------------------------------------------------------------------

    async def get_order(self, access: StoreAccess, order_id: int) -> StoreOrder | None:
        """One order, or None when the store has no order with that id."""
        body = await self._get_one(
            access, f"orders/{order_id}", "woocommerce_rest_shop_order_invalid_id"
        )
        return None if body is None else _decoded(decode.decode_order_payload, body)

    async def orders_with_ids(
        self, access: StoreAccess, order_ids: Collection[int]
    ) -> list[StoreOrder]:
        """The listed orders (`status=any`) among `order_ids`, a page of ids per request; the
        ids go comma-separated (`include=1,2`), which OAuth 1.0a signs as one parameter."""
        wanted = sorted(set(order_ids))
        found: list[StoreOrder] = []
        for start in range(0, len(wanted), self._page_size):
            chunk = wanted[start : start + self._page_size]
            params = {
                "status": "any",
                "include": ",".join(map(str, chunk)),
                "orderby": "id",
                "order": "asc",
            }
            page = await self._fetch_page(access, _orders(params), 1)
            found.extend(page.items)
        return found

    async def get_customer(self, access: StoreAccess, customer_id: int) -> StoreCustomer | None:
        """One customer, or None when the store has no user with that id."""
        body = await self._get_one(
            access, f"customers/{customer_id}", "woocommerce_rest_invalid_id"
        )
        return None if body is None else _decoded(decode.decode_customer_payload, body)

    async def _get_one(self, access: StoreAccess, path: str, missing_code: str) -> bytes | None:
        try:
            response = await self._request(access, "GET", path, {})
        except UpstreamRejected as exc:
            if exc.status == 404 and exc.store_code == missing_code:
                return None
            raise
        return response.content

    # -- plumbing ----------------------------------------------------------------------------

    def _collection(
        self,
        access: StoreAccess,
        listing: _Listing[T],
        start_page: int,
        concurrency: int | None,
    ) -> AsyncIterator[StorePage[T]]:
        ceiling = self.window(access).ceiling
        window = min(concurrency or ceiling, ceiling)

        def fetch(page: int) -> Awaitable[StorePage[T]]:
            return self._fetch_page(access, listing, page)

        return ordered_pages(fetch, start_page=max(1, start_page), concurrency=window)

    async def _fetch_page(
        self, access: StoreAccess, listing: _Listing[T], page: int
    ) -> StorePage[T]:
        query = {**listing.params, "per_page": str(self._page_size), "page": str(page)}
        response = await self._request(access, "GET", listing.path, query)
        try:
            items, errors = decode.decode_records(response.content, listing.struct, listing.convert)
        except decode.UndecodablePayload as exc:
            raise UpstreamUndecodable(f"page {page} of {listing.path}: {exc.reason}") from None
        count = len(items) + len(errors)
        total = _int_header(response, "X-WP-Total")
        total_pages = _int_header(response, "X-WP-TotalPages")
        if total is None or total_pages is None:
            # Headers lost on the way (some proxies): a full page means there may be more.
            total = total if total is not None else (page - 1) * self._page_size + count
            total_pages = page + 1 if count >= self._page_size else page
        return StorePage(
            items=tuple(items),
            page=page,
            total=total,
            total_pages=total_pages,
            errors=tuple(errors),
        )

    async def _request(
        self,
        access: StoreAccess,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send with the connection's auth mode; raise the app error for any failure.

        Over https a 401 "cannot ..." to Basic means no credentials reached WordPress (a
        server stripping the Authorization header, or an unknown key): the request is tried
        once more with the keys in the query string, and if that works the connection keeps
        using it.
        """
        try:
            return await self._send(access, method, path, params, json=json, idempotent=idempotent)
        except UpstreamError as exc:
            not_found = isinstance(exc, UpstreamRejected) and exc.status == 404
            if self._on_error is not None and not not_found:
                await self._on_error(access.connection_id, exc.code)
            raise

    async def _send(
        self,
        access: StoreAccess,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        json: Any,
        idempotent: bool,
    ) -> httpx.Response:
        await self._guard(access)
        mode = self._mode(access)
        window = self.window(access)

        async def send(auth: AuthMode) -> httpx.Response:
            return await self._transport.send(
                access,
                auth,
                method,
                path,
                window=window,
                params=params,
                json=json,
                idempotent=idempotent,
            )

        response = await send(mode)
        if mode is AuthMode.BASIC and _credentials_ignored(response):
            retry = await send(AuthMode.QUERY_STRING)
            if retry.is_success:
                self._query_string_connections.add(access.connection_id)
            response = retry
        raise_for_store_error(response)
        return response

    def _mode(self, access: StoreAccess) -> AuthMode:
        remembered = access.connection_id in self._query_string_connections
        return choose_auth_mode(
            access.store_url, query_string_auth=access.query_string_auth or remembered
        )

    async def _guard(self, access: StoreAccess) -> None:
        # Re-resolved every few minutes: a host may be re-pointed at a private address later.
        if self._allow_private:
            return
        host = access.store_url.host
        now = time.monotonic()
        if self._guarded.get(host, 0.0) > now:
            return
        try:
            await guard_store_url(access.store_url, allow_private=False)
        except StoreAddressRefused as exc:
            raise UpstreamRejected(403, "wooconnect_address_refused", str(exc)) from None
        self._guarded[host] = now + _GUARD_TTL_S


def _credentials_ignored(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    try:
        code = msgspec.json.decode(response.content, type=dict[str, Any]).get("code", "")
    except msgspec.DecodeError:
        return False
    return isinstance(code, str) and code.startswith("woocommerce_rest_cannot_")


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _gmt(instant: datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("incremental sync needs an aware datetime")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _decoded(decoder: Callable[[bytes], T], body: bytes) -> T:
    try:
        return decoder(body)
    except decode.UndecodablePayload as exc:
        raise UpstreamUndecodable(str(exc)) from None


if TYPE_CHECKING:

    def _implements_the_port(client: WooCommerceClient) -> StoreClient:
        # mypy proves here that the client satisfies the store-client port structurally.
        return client
