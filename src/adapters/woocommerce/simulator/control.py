"""Everything that is not the REST API: the key-grant screens (`/wc-auth/v1/...`) and the
simulator's own control endpoints (`/__sim__/...`, not part of WooCommerce)."""

from __future__ import annotations

import html as html_escape
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from wooconnect.adapters.woocommerce.simulator.asgi import Request, Response, html, plain_json
from wooconnect.adapters.woocommerce.simulator.records import RestApiKey
from wooconnect.adapters.woocommerce.simulator.routing import Routes
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore, StoreError
from wooconnect.adapters.woocommerce.simulator.webhooks import DeliveryDispatcher

GRANT_PARAMS = ("app_name", "scope", "user_id", "return_url", "callback_url")
GRANT_FAILED = (
    "Error: An error occurred in the request and at the time were unable to send the consumer data."
)


@dataclass(frozen=True, slots=True)
class GrantOutcome:
    """What approving a key grant did: the redirect on success, the error otherwise."""

    approved: bool
    redirect: str | None
    key: RestApiKey | None
    error: str | None = None


def _with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


async def approve_grant(
    store: SimulatedStore, http: httpx.AsyncClient, grant_id: int
) -> GrantOutcome:
    """The merchant clicks Approve: create the keys, POST them to the callback URL (JSON,
    `user_id` as the string we were given), keep them only if the answer is exactly 200."""
    grant = store.grants.pop(grant_id, None)
    if grant is None:
        return GrantOutcome(False, None, None, "no such key grant")
    key = store.create_api_key(permissions=grant.scope)
    body = (
        json.dumps(
            {
                "key_id": key.key_id,
                "user_id": grant.user_id,
                "consumer_key": key.consumer_key,
                "consumer_secret": key.consumer_secret,
                "key_permissions": key.permissions,
            },
            separators=(",", ":"),
        )
        .replace("/", "\\/")
        .encode()
    )
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "User-Agent": f"WordPress/6.8.8; {store.home_url}",
    }
    try:
        response = await http.post(grant.callback_url, content=body, headers=headers, timeout=60)
        status: int | None = response.status_code
    except httpx.HTTPError:
        status = None
    if status != 200:
        store.revoke_keys(key.consumer_key)
        return GrantOutcome(False, None, None, f"{GRANT_FAILED} (callback answered {status})")
    return GrantOutcome(
        True, _with_query(grant.return_url, success="1", user_id=grant.user_id), key
    )


def store_summary(store: SimulatedStore) -> dict[str, Any]:
    """Counts and keys, for `/__sim__/state` and the CLI banner."""
    with store.lock:
        statuses: dict[str, int] = {}
        for order in store.orders.values():
            statuses[order.status] = statuses.get(order.status, 0) + 1
        roles: dict[str, int] = {}
        for customer in store.customers.values():
            roles[customer.role] = roles.get(customer.role, 0) + 1
        return {
            "home_url": store.home_url,
            "customers": len(store.customers),
            "roles": roles,
            "orders": len(store.orders),
            "statuses": statuses,
            "refunds": len(store.refunds),
            "webhooks": len(store.webhooks),
            "keys": [
                {
                    "key_id": k.key_id,
                    "consumer_key": k.consumer_key,
                    "consumer_secret": k.consumer_secret,
                    "permissions": k.permissions,
                }
                for k in store.api_keys.values()
            ],
        }


class Control:
    """`/wc-auth/v1/authorize`, its approve action, and `/__sim__/...`."""

    def __init__(self, store: SimulatedStore, dispatcher: DeliveryDispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.routes = Routes[Callable[..., Awaitable[Response]]](
            ("GET", r"/wc-auth/v1/authorize", self.authorize),
            ("POST", r"/wc-auth/v1/access_granted", self.access_granted),
            ("GET", r"/__sim__/state", self.state),
            ("POST", r"/__sim__/customers", self.create_customer),
            ("PUT", r"/__sim__/customers/(\d+)", self.update_customer),
            ("DELETE", r"/__sim__/customers/(\d+)", self.delete_customer),
            ("POST", r"/__sim__/orders", self.create_order),
            ("PUT", r"/__sim__/orders/(\d+)", self.update_order),
            ("POST", r"/__sim__/orders/(\d+)/refunds", self.add_refund),
            ("POST", r"/__sim__/orders/(\d+)/trash", self.trash_order),
            ("POST", r"/__sim__/orders/(\d+)/restore", self.restore_order),
            ("GET", r"/__sim__/faults", self.get_faults),
            ("PUT", r"/__sim__/faults", self.set_faults),
            ("GET", r"/__sim__/deliveries", self.deliveries),
            ("DELETE", r"/__sim__/deliveries", self.clear_deliveries),
            ("GET", r"/__sim__/requests", self.requests),
            ("GET", r"/__sim__/key-grants", self.list_grants),
            ("POST", r"/__sim__/key-grants/(\d+)/approve", self.approve),
            ("POST", r"/__sim__/keys", self.create_key),
            ("POST", r"/__sim__/keys/revoke", self.revoke_keys),
        )

    def route(
        self, request: Request
    ) -> tuple[Callable[..., Awaitable[Response]], tuple[str, ...]] | None:
        return self.routes.match(request.method, request.path.rstrip("/"))

    # -- the key grant -----------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = request.params
        for name in GRANT_PARAMS:
            if not params.get(name):
                return html(400, f"<p>Missing parameter {name}</p>")
        if params["scope"] not in {"read", "write", "read_write"}:
            return html(400, "<p>Invalid scope</p>")
        urls = {
            name: params[name] if "://" in params[name] else "https://" + params[name]
            for name in ("return_url", "callback_url")
        }
        if self.store.settings.require_https_callback and not urls["callback_url"].startswith(
            "https://"
        ):
            return html(400, "<p>The callback_url needs to be over SSL</p>")
        grant = self.store.add_grant(
            app_name=params["app_name"], scope=params["scope"], user_id=params["user_id"], **urls
        )
        deny = _with_query(grant.return_url, success="0", user_id=grant.user_id)
        name = html_escape.escape(grant.app_name)
        return html(
            200,
            (
                f"<h1>{name} would like to connect to your store</h1>"
                f"<p>This will give &quot;{name}&quot; "
                f"{html_escape.escape(grant.scope)} access.</p>"
                f'<form method="post" action="/wc-auth/v1/access_granted?grant_id={grant.id}">'
                f'<button type="submit" name="approve" value="1">Approve</button></form>'
                f'<a href="{html_escape.escape(deny)}">Deny</a>'
            ),
        )

    async def access_granted(self, request: Request) -> Response:
        outcome = await approve_grant(
            self.store, self.dispatcher.http, int(request.params.get("grant_id", "0") or 0)
        )
        if not outcome.approved or outcome.redirect is None:
            return html(401, f"<p>{html_escape.escape(outcome.error or GRANT_FAILED)}</p>")
        return html(302, "", {"Location": outcome.redirect})

    async def approve(self, request: Request, grant_id: str) -> Response:
        outcome = await approve_grant(self.store, self.dispatcher.http, int(grant_id))
        if not outcome.approved or outcome.key is None:
            return plain_json(409, {"approved": False, "error": outcome.error})
        return plain_json(
            200,
            {
                "approved": True,
                "redirect": outcome.redirect,
                "consumer_key": outcome.key.consumer_key,
                "consumer_secret": outcome.key.consumer_secret,
            },
        )

    async def list_grants(self, request: Request) -> Response:
        return plain_json(200, [g.__dict__ for g in self.store.grants.values()])

    # -- keys, faults, logs ------------------------------------------------------------------

    async def state(self, request: Request) -> Response:
        return plain_json(200, store_summary(self.store))

    async def create_key(self, request: Request) -> Response:
        body = request.json()
        key = self.store.create_api_key(permissions=str(body.get("permissions", "read_write")))
        return plain_json(
            201,
            {
                "key_id": key.key_id,
                "consumer_key": key.consumer_key,
                "consumer_secret": key.consumer_secret,
            },
        )

    async def revoke_keys(self, request: Request) -> Response:
        revoked = self.store.revoke_keys(request.json().get("consumer_key"))
        return plain_json(200, {"revoked": revoked})

    async def get_faults(self, request: Request) -> Response:
        return plain_json(200, self.store.faults.as_dict())

    async def set_faults(self, request: Request) -> Response:
        with self.store.lock:
            self.store.faults.update(request.json())
        return plain_json(200, self.store.faults.as_dict())

    async def deliveries(self, request: Request) -> Response:
        with self.store.lock:
            return plain_json(200, [d.summary() for d in self.store.deliveries])

    async def clear_deliveries(self, request: Request) -> Response:
        with self.store.lock:
            self.store.deliveries.clear()
        return Response(204)

    async def requests(self, request: Request) -> Response:
        with self.store.lock:
            log = [{"method": m, "path": p, "query": q} for m, p, q in self.store.request_log]
        return plain_json(200, log)

    # -- driving the store -------------------------------------------------------------------

    async def create_customer(self, request: Request) -> Response:
        c = self.store.create_customer(
            **_pick(
                request.json(), "email", "first_name", "last_name", "role", "username", "billing"
            )
        )
        return plain_json(201, self.store.shapes.customer(c))

    async def update_customer(self, request: Request, customer_id: str) -> Response:
        c = self.store.update_customer(int(customer_id), **request.json())
        return plain_json(200, self.store.shapes.customer(c))

    async def delete_customer(self, request: Request, customer_id: str) -> Response:
        self.store.delete_customer(int(customer_id))
        return Response(204)

    async def create_order(self, request: Request) -> Response:
        body = request.json()
        args = _pick(body, "customer_id", "status", "billing", "paid", "currency", "payment_method")
        if "items" in body:
            args["items"] = [(int(i["product"]), int(i.get("quantity", 1))) for i in body["items"]]
        o = self.store.create_order(**args)
        return plain_json(201, self.store.shapes.order(o, []))

    async def update_order(self, request: Request, order_id: str) -> Response:
        args = _pick(request.json(), "status", "paid", "billing", "transaction_id")
        o = self.store.update_order(int(order_id), **args)
        return plain_json(200, self.store.shapes.order(o, self.store.order_refunds(o)))

    async def add_refund(self, request: Request, order_id: str) -> Response:
        body = request.json()
        r = self.store.add_refund(
            int(order_id), Decimal(str(body.get("amount", "0"))), str(body.get("reason", ""))
        )
        return plain_json(201, self.store.shapes.refund(r, with_parent=True))

    async def trash_order(self, request: Request, order_id: str) -> Response:
        o = self.store.trash_order(int(order_id))
        return plain_json(200, self.store.shapes.order(o, self.store.order_refunds(o)))

    async def restore_order(self, request: Request, order_id: str) -> Response:
        o = self.store.restore_order(int(order_id))
        return plain_json(200, self.store.shapes.order(o, self.store.order_refunds(o)))


def _pick(body: dict[str, Any], *names: str) -> dict[str, Any]:
    unknown = set(body) - set(names) - {"items"}
    if unknown:
        raise StoreError(400, "invalid_field", f"unknown field(s): {', '.join(sorted(unknown))}")
    return {name: body[name] for name in names if name in body}
