"""The console's only way to the service: a typed async client for the HTTP API.

Every failure (no answer, a timeout, a 4xx/5xx, a body that does not decode) becomes one
`ApiError`, so screens handle a single exception and show its message instead of a traceback.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
import msgspec

from wooconnect.tui.models import (
    Agency,
    ApiKey,
    Connection,
    DecisionPage,
    Delivery,
    Evaluation,
    Location,
    Page,
    RulesState,
    TriggerEvent,
    TriggerSubscription,
)

T = TypeVar("T")

_PAGE_LIMIT = 200
_MAX_PAGES = 50  # a bound so a cursor loop in a broken server cannot hang a screen


class ApiError(Exception):
    """A request that did not succeed. `status` 0 means the service could not be reached."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message

    @property
    def unreachable(self) -> bool:
        """True when no HTTP answer came back at all."""
        return self.status == 0

    @property
    def headline(self) -> str:
        """A short title for an error panel."""
        if self.status == 0:
            return "Service unreachable"
        if self.status == 401:
            return "Not authorised (401)"
        if self.status == 404:
            return "Not found (404)"
        return f"{self.error} ({self.status})"

    def __str__(self) -> str:
        return f"{self.headline}: {self.message}"


class ApiClient:
    """Calls the wooconnect HTTP API as an admin. Build one per console; `aclose` it at exit.

    `transport` lets tests and in-process runs route requests to an ASGI app or a mock instead
    of the network.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "wooconnect-console"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # Tenancy

    async def list_agencies(self) -> list[Agency]:
        """Every agency (admin only)."""
        return await self._list("/api/v1/agencies", Agency)

    async def list_locations(self, agency_id: str) -> list[Location]:
        """An agency's locations."""
        return await self._list(f"/api/v1/agencies/{agency_id}/locations", Location)

    async def get_agency(self, agency_id: str) -> Agency:
        """One agency."""
        return await self._get(f"/api/v1/agencies/{agency_id}", Agency)

    async def get_location(self, location_id: str) -> Location:
        """One location."""
        return await self._get(f"/api/v1/locations/{location_id}", Location)

    async def list_api_keys(self, agency_id: str) -> list[ApiKey]:
        """The agency's API keys (prefixes, never the keys); they reach all its locations."""
        return await self._list(f"/api/v1/agencies/{agency_id}/api-keys", ApiKey)

    async def list_subscriptions(self, location_id: str) -> list[TriggerSubscription]:
        """The location's workflow subscribers with the state of their deliveries."""
        return await self._list(
            f"/api/v1/locations/{location_id}/trigger-subscriptions", TriggerSubscription
        )

    async def location_connection(self, location_id: str) -> Connection | None:
        """The location's live connection, or None when it has none (the API answers 404)."""
        try:
            return await self._get(f"/api/v1/locations/{location_id}/connection", Connection)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    # A connection

    async def get_connection(self, connection_id: str) -> Connection:
        """One connection with its settings, import progress and webhook health."""
        return await self._get(f"/api/v1/connections/{connection_id}", Connection)

    async def update_sync(self, connection_id: str, changes: dict[str, bool]) -> Connection:
        """Switch sync items on or off; only the given fields change."""
        response = await self._request(
            "PATCH", f"/api/v1/connections/{connection_id}/sync", json=changes
        )
        return _decode(response, Connection)

    async def set_store_concurrency(self, connection_id: str, value: int | None) -> Connection:
        """At most `value` requests in flight to the store (None: the deployment's default)."""
        response = await self._request(
            "PATCH", f"/api/v1/connections/{connection_id}", json={"store_concurrency": value}
        )
        return _decode(response, Connection)

    async def rerun_import(self, connection_id: str) -> None:
        """Start the import of the selected entities again (the service answers 202)."""
        await self._request("POST", f"/api/v1/connections/{connection_id}/imports")

    async def disconnect(self, connection_id: str) -> None:
        """Disconnect the store; imported data stays."""
        await self._request("DELETE", f"/api/v1/connections/{connection_id}")

    async def list_deliveries(self, connection_id: str, limit: int = 20) -> list[Delivery]:
        """The most recent webhook deliveries, newest first (one page)."""
        response = await self._request(
            "GET", f"/api/v1/connections/{connection_id}/deliveries", params={"limit": limit}
        )
        return _items(response, Delivery)

    async def list_triggers(self, location_id: str, limit: int = 20) -> list[TriggerEvent]:
        """The location's most recent trigger events (one page)."""
        response = await self._request(
            "GET", f"/api/v1/locations/{location_id}/triggers", params={"limit": limit}
        )
        return _items(response, TriggerEvent)

    async def list_decisions(
        self,
        connection_id: str,
        *,
        outcome: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        woocommerce_order_id: int | None = None,
    ) -> DecisionPage:
        """One page of the decisions log; `outcome="skipped"` keeps only skipped records,
        `woocommerce_order_id` those about that store order."""
        params: dict[str, str | int] = {"limit": limit}
        if outcome:
            params["outcome"] = outcome
        if woocommerce_order_id is not None:
            params["woocommerce_order_id"] = woocommerce_order_id
        if cursor:
            params["cursor"] = cursor
        response = await self._request(
            "GET", f"/api/v1/connections/{connection_id}/decisions", params=params
        )
        return _decode(response, DecisionPage)

    # Rules

    async def get_rules(self) -> RulesState:
        """The loaded rule sets, their version and the last reload's errors."""
        return await self._get("/api/v1/rules", RulesState)

    async def evaluate(
        self, rule_set: str, facts: Any, *, agency_id: str | None = None
    ) -> Evaluation:
        """Run a rule set on the given facts and return the decision with its trace;
        `agency_id` picks that agency's own version of the set where it has one."""
        body: dict[str, Any] = {"rule_set": rule_set, "facts": facts}
        if agency_id is not None:
            body["agency_id"] = agency_id
        response = await self._request("POST", "/api/v1/rules/evaluate", json=body)
        return _decode(response, Evaluation)

    # Plumbing

    async def _get(self, path: str, kind: type[T]) -> T:
        return _decode(await self._request("GET", path), kind)

    async def _list(self, path: str, kind: type[T]) -> list[T]:
        """Every item of a list endpoint (`{items, next_cursor}`), following cursors."""
        items: list[T] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            params: dict[str, str | int] = {"limit": _PAGE_LIMIT}
            if cursor:
                params["cursor"] = cursor
            response = await self._request("GET", path, params=params)
            parsed = _decode(response, Page)
            try:
                items.extend(msgspec.convert(item, kind) for item in parsed.items)
            except msgspec.ValidationError as exc:
                raise _bad_body(response, exc) from exc
            cursor = parsed.next_cursor
            if not cursor:
                break
        return items

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str | int] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(method, path, json=json, params=params)
        except httpx.TimeoutException as exc:
            raise ApiError(0, "unreachable", f"{self.base_url} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ApiError(0, "unreachable", f"cannot reach {self.base_url}: {exc}") from exc
        if response.is_success:
            return response
        raise _error_from(response)


def _decode(response: httpx.Response, kind: type[T]) -> T:
    try:
        return msgspec.json.decode(response.content, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _bad_body(response, exc) from exc


def _items(response: httpx.Response, kind: type[T]) -> list[T]:
    """The items of one page, each decoded on its own so the page shape and item shape both
    report as a bad body rather than an exception the screens do not expect."""
    try:
        return [msgspec.convert(item, kind) for item in _decode(response, Page).items]
    except msgspec.ValidationError as exc:
        raise _bad_body(response, exc) from exc


def _bad_body(response: httpx.Response, exc: Exception) -> ApiError:
    where = f"{response.request.method} {response.request.url.path}"
    return ApiError(
        response.status_code, "bad_response", f"{where} answered an unexpected body: {exc}"
    )


def _error_from(response: httpx.Response) -> ApiError:
    """Read the API's error body (`{error, message}`); fall back to the status line."""
    error = "http_error"
    message = response.reason_phrase or "request failed"
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        body = None
    if isinstance(body, dict):
        error = str(body.get("error") or error)
        message = str(body.get("message") or body.get("detail") or message)
    if response.status_code == 401:
        message = f"{message} (check the admin token)"
    return ApiError(response.status_code, error, message)
