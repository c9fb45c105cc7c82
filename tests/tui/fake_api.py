"""A fake wooconnect API: a plain ASGI app implementing the endpoints the console uses, as
API.md (and the console's admin endpoints in README.md) describe them, over in-memory data.

Running imports advance by `step` records each time their connection is read, so a test that
polls sees progress move without any clock. Tests reach it through `transport()`; a person can
serve it with `uvicorn --factory tests.tui.fake_api:create_fake_app`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.tui import fake_data, fake_rules
from tests.tui.fake_data import DEFAULT_STORE_CONCURRENCY, JsonDict

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Reply = tuple[int, Any]

TOKEN = "wc_admin_console_test"
SYNC_KEYS = frozenset(
    ("contacts", "orders", "transactions", "order_submitted_trigger", "payment_received_trigger")
)


def _error(status: int, error: str, message: str) -> Reply:
    return status, {"error": error, "message": message}


def _invalid(message: str, name: str) -> Reply:
    """A 422 the way the service answers one: the message, and the field that is wrong."""
    return 422, {"error": "validation_failed", "message": message, "fields": {name: message}}


def _page(items: list[Any], query: dict[str, str], default_limit: int = 50) -> JsonDict:
    """A cursor page: the cursor is the index of the next item, as a string."""
    start = int(query.get("cursor") or 0)
    limit = int(query.get("limit") or default_limit)
    end = start + limit
    return {"items": items[start:end], "next_cursor": str(end) if end < len(items) else None}


class FakeApi:
    """The fake service. Flip `reachable` to simulate an outage; `calls` records each request."""

    def __init__(self, *, token: str = TOKEN, step: int = 250) -> None:
        self.token = token
        self.step = step
        self.reachable = True
        self.slow: dict[str, float] = {}  # path suffix → seconds to wait before answering
        self.calls: list[tuple[str, str, Any]] = []
        self.agencies, self.locations, self.connections = fake_data.tenants()
        self.rules = fake_rules.rules_state(override_agency=fake_data.AGENCY_NORTHWIND)
        self._reruns = 0
        self._runs = 0
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("GET", re.compile(r"/api/v1/agencies"), self._agencies),
            ("GET", re.compile(r"/api/v1/agencies/([^/]+)"), self._agency),
            ("GET", re.compile(r"/api/v1/agencies/([^/]+)/locations"), self._locations),
            ("GET", re.compile(r"/api/v1/agencies/([^/]+)/api-keys"), self._api_keys),
            ("GET", re.compile(r"/api/v1/locations/([^/]+)"), self._location),
            (
                "GET",
                re.compile(r"/api/v1/locations/([^/]+)/trigger-subscriptions"),
                self._subscriptions,
            ),
            ("GET", re.compile(r"/api/v1/locations/([^/]+)/connection"), self._live_connection),
            ("GET", re.compile(r"/api/v1/locations/([^/]+)/triggers"), self._triggers),
            ("GET", re.compile(r"/api/v1/connections/([^/]+)"), self._connection),
            ("PATCH", re.compile(r"/api/v1/connections/([^/]+)/sync"), self._patch_sync),
            ("PATCH", re.compile(r"/api/v1/connections/([^/]+)"), self._patch_connection),
            ("POST", re.compile(r"/api/v1/connections/([^/]+)/imports"), self._rerun),
            ("DELETE", re.compile(r"/api/v1/connections/([^/]+)"), self._disconnect),
            ("GET", re.compile(r"/api/v1/connections/([^/]+)/deliveries"), self._deliveries),
            ("GET", re.compile(r"/api/v1/connections/([^/]+)/decisions"), self._decisions),
            ("GET", re.compile(r"/api/v1/rules"), self._rules),
            ("POST", re.compile(r"/api/v1/rules/evaluate"), self._evaluate),
        ]

    # Test controls

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into this app that fails like a dead server when unreachable."""
        return _SwitchableTransport(self)

    def set_rule_errors(self, errors: list[str]) -> None:
        """Make the last reload look failed with these `file:line:col: msg` errors."""
        self.rules = {**self.rules, "errors": list(errors)}

    def forget_connection(self, connection_id: str) -> None:
        """Remove a connection as if someone else deleted it."""
        self.connections.pop(connection_id, None)

    def sent(self, method: str, path_suffix: str) -> list[Any]:
        """Bodies of the recorded requests with this method whose path ends so."""
        return [body for m, p, body in self.calls if m == method and p.endswith(path_suffix)]

    # ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        for suffix, seconds in self.slow.items():
            if scope["path"].endswith(suffix):
                await asyncio.sleep(seconds)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        status, payload = self.handle(scope["method"], scope["path"], query, headers, body)
        raw = b"" if payload is None else json.dumps(payload).encode()
        response_headers = [(b"content-type", b"application/json")] if raw else []
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": raw})

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply:
        """Route one request."""
        parsed = json.loads(body) if body else None
        self.calls.append((method, path, parsed))
        if headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "unauthenticated", "the bearer token is not valid")
        path_known = False
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            path_known = True
            if route_method == method:
                return handler(*match.groups(), query=query, body=parsed)
        if path_known:
            return _error(405, "method_not_allowed", f"{method} is not allowed on {path}.")
        return _error(404, "not_found", f"Nothing at {path}.")

    # Handlers

    def _agencies(self, *, query: dict[str, str], body: Any) -> Reply:
        return 200, _page(list(self.agencies), query)

    def _agency(self, agency_id: str, *, query: dict[str, str], body: Any) -> Reply:
        found = next((a for a in self.agencies if a["id"] == agency_id), None)
        return (200, found) if found else _error(404, "not_found", "agency not found")

    def _location(self, location_id: str, *, query: dict[str, str], body: Any) -> Reply:
        found = next((loc for loc in self.locations if loc["id"] == location_id), None)
        return (200, found) if found else _error(404, "not_found", "location not found")

    def _api_keys(self, agency_id: str, *, query: dict[str, str], body: Any) -> Reply:
        if not any(a["id"] == agency_id for a in self.agencies):
            return _error(404, "not_found", "agency not found")
        return 200, _page(fake_data.api_keys(agency_id), query)

    def _subscriptions(self, location_id: str, *, query: dict[str, str], body: Any) -> Reply:
        if not any(loc["id"] == location_id for loc in self.locations):
            return _error(404, "not_found", "location not found")
        return 200, _page(fake_data.subscriptions(location_id), query)

    def _locations(self, agency_id: str, *, query: dict[str, str], body: Any) -> Reply:
        if not any(a["id"] == agency_id for a in self.agencies):
            return _error(404, "not_found", "agency not found")
        return 200, _page([loc for loc in self.locations if loc["agency_id"] == agency_id], query)

    def _live_connection(self, location_id: str, *, query: dict[str, str], body: Any) -> Reply:
        for connection in self.connections.values():
            if connection["location_id"] == location_id and connection["status"] != "disconnected":
                return 200, connection
        return _error(404, "not_found", "this location has no live connection")

    def _find(self, connection_id: str) -> JsonDict | None:
        return self.connections.get(connection_id)

    def _connection(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        connection = self._find(connection_id)
        if connection is None:
            return _error(404, "not_found", "connection not found")
        self._advance(connection)
        return 200, connection

    def _advance(self, connection: JsonDict) -> None:
        """Move running imports on, and start the next queued one when one completes."""
        for job in connection["imports"]:
            if job["status"] == "queued" and not any(
                j["status"] == "running" for j in connection["imports"]
            ):
                job.update(status="running", total=job["total"] or 2000, started_at=self._start())
            if job["status"] != "running" or not self.step:
                continue
            remaining = job["total"] - (job["done"] + job["skipped"] + job["failed"])
            moved = min(self.step, remaining)
            skipped = moved // 25
            job["done"] += moved - skipped
            job["skipped"] += skipped
            if remaining - moved <= 0:
                job.update(status="completed", finished_at="2025-03-04T12:00:00Z")

    def _start(self) -> str:
        self._reruns += 1
        return f"2025-03-04T12:{self._reruns:02d}:00Z"

    def _patch_sync(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        connection = self._find(connection_id)
        if connection is None:
            return _error(404, "not_found", "connection not found")
        if not isinstance(body, dict) or not body:
            return _invalid("send at least one sync setting", "body")
        bad = {k: "unknown setting" for k in body if k not in SYNC_KEYS}
        bad |= {k: "must be a boolean" for k, v in body.items() if not isinstance(v, bool)}
        if bad:
            message = "some sync settings are invalid"
            return 422, {"error": "validation_failed", "message": message, "fields": bad}
        connection["sync"].update(body)
        return 200, connection

    def _patch_connection(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        connection = self._find(connection_id)
        if connection is None:
            return _error(404, "not_found", "connection not found")
        value = body.get("store_concurrency") if isinstance(body, dict) else 0
        if value is not None and not (isinstance(value, int) and 1 <= value <= 16):
            return _invalid("store_concurrency must be between 1 and 16", "store_concurrency")
        own = value is not None
        connection["store_concurrency"] = value if own else DEFAULT_STORE_CONCURRENCY
        connection["store_concurrency_source"] = "connection" if own else "default"
        return 200, connection

    def _rerun(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        connection = self._find(connection_id)
        if connection is None:
            return _error(404, "not_found", "connection not found")
        if connection["status"] != "active":
            status = connection["status"]
            return _error(409, "not_active", f"a connection that is {status} cannot import")
        selected = [e for e, on in connection["import"].items() if on]
        previous = {job["entity"]: job for job in connection["imports"]}
        started = self._start()
        self._runs += 1
        connection["imports"] = [
            {
                "id": fake_data.uid(8000 + self._runs * 10 + i),
                "entity": entity,
                "status": "running" if i == 0 else "queued",
                "total": previous.get(entity, {}).get("total", 0) if i == 0 else 0,
                "done": 0,
                "skipped": 0,
                "failed": 0,
                "started_at": started if i == 0 else None,
                "finished_at": None,
                "last_error": None,
            }
            for i, entity in enumerate(selected)
        ]
        return 202, connection

    def _disconnect(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        connection = self._find(connection_id)
        if connection is None:
            return _error(404, "not_found", "connection not found")
        connection["status"] = "disconnected"
        return 204, None

    def _deliveries(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        if self._find(connection_id) is None:
            return _error(404, "not_found", "connection not found")
        return 200, _page(fake_data.deliveries(connection_id), query, 20)

    def _triggers(self, location_id: str, *, query: dict[str, str], body: Any) -> Reply:
        return 200, _page(fake_data.triggers(location_id), query)

    def _decisions(self, connection_id: str, *, query: dict[str, str], body: Any) -> Reply:
        if self._find(connection_id) is None:
            return _error(404, "not_found", "connection not found")
        items = fake_data.decisions(connection_id)
        if query.get("woocommerce_order_id"):
            order_id = int(query["woocommerce_order_id"])
            items = fake_data.order_decisions(connection_id, order_id)
        if query.get("outcome"):
            items = [item for item in items if item["outcome"] == query["outcome"]]
        return 200, _page(items, query)

    def _rules(self, *, query: dict[str, str], body: Any) -> Reply:
        return 200, self.rules

    def _evaluate(self, *, query: dict[str, str], body: Any) -> Reply:
        if not isinstance(body, dict) or body.get("rule_set") not in fake_rules.RULE_BOOK:
            name = body.get("rule_set") if isinstance(body, dict) else None
            known = ", ".join(fake_rules.RULE_BOOK)
            message = f"unknown rule set `{name}` (known: {known})"
            return _invalid(message, "rule_set")
        if not isinstance(body.get("facts"), dict):
            return _invalid("facts must be a JSON object", "facts")
        own = body.get("agency_id") == fake_data.AGENCY_NORTHWIND and body["rule_set"] == (
            "order_status"
        )
        rules = fake_rules.AGENCY_ORDER_STATUS if own else None
        return 200, fake_rules.evaluate(body["rule_set"], body["facts"], rules)


class _SwitchableTransport(httpx.AsyncBaseTransport):
    def __init__(self, api: FakeApi) -> None:
        self._api = api
        self._inner = httpx.ASGITransport(app=api)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._api.reachable:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await self._inner.handle_async_request(request)


def create_fake_app() -> FakeApi:
    """The factory `uvicorn --factory` calls."""
    return FakeApi()
