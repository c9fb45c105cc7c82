"""The REST API v3 routes of the simulated store (`/wp-json/wc/v3/...`), after authentication."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from wooconnect.adapters.woocommerce.simulator.asgi import Request, Response, wp_error, wp_response
from wooconnect.adapters.woocommerce.simulator.records import (
    CORE_STATUSES,
    HIDDEN_FROM_ANY,
    ROLES,
    CustomerRecord,
    OrderRecord,
)
from wooconnect.adapters.woocommerce.simulator.seed import CUSTOM_STATUS
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore
from wooconnect.adapters.woocommerce.simulator.webhooks import DeliveryDispatcher

PREFIX = "/wp-json/wc/v3/"
ORDER_STATUSES = (*CORE_STATUSES, CUSTOM_STATUS, "checkout-draft")
WEBHOOK_RESOURCES = {"coupon", "customer", "order", "product"}
WEBHOOK_EVENTS = {"created", "updated", "deleted", "restored"}
WEBHOOK_STATUSES = ("active", "paused", "disabled")


class InvalidParam(Exception):
    """A query parameter WordPress's schema validation would refuse (400)."""

    def __init__(self, name: str, why: str, detail_code: str = "rest_out_of_bounds") -> None:
        super().__init__(why)
        self.name = name
        self.why = why
        self.detail_code = detail_code

    def response(self) -> Response:
        return wp_error(
            400,
            "rest_invalid_param",
            f"Invalid parameter(s): {self.name}",
            params={self.name: self.why},
            details={self.name: {"code": self.detail_code, "message": self.why, "data": None}},
        )


def _int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?\d+", raw):
        raise InvalidParam(name, f"{name} is not of type integer.", "rest_invalid_type")
    value = int(raw)
    if value < low or (high is not None and value > high):
        bounds = (
            f"between {low} (inclusive) and {high} (inclusive)"
            if high is not None
            else f"greater than or equal to {low}"
        )
        raise InvalidParam(name, f"{name} must be {bounds}")
    return value


def _enum_param(request: Request, name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = request.params.get(name, default) or default
    if value not in allowed:
        raise InvalidParam(name, f"{name} is not one of {', '.join(allowed)}.", "rest_not_in_enum")
    return value


def _date_param(request: Request, name: str) -> datetime | None:
    raw = request.params.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise InvalidParam(name, "Invalid date.", "rest_invalid_date") from None


def _id_list_param(request: Request, name: str) -> set[int] | None:
    """A list of ids, comma-separated (`include=1,2`) as WordPress's `wp_parse_id_list` reads
    it; None when absent or empty."""
    raw = request.params.get(name, "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts:
        return None
    if not all(part.isdigit() for part in parts):
        raise InvalidParam(name, f"{name}[0] is not of type integer.", "rest_invalid_type")
    return {int(part) for part in parts}


def paginate(
    store: SimulatedStore,
    request: Request,
    items: list[Any],
    render: Callable[[Any], dict[str, Any]],
) -> Response:
    """One page of `items` with X-WP-Total, X-WP-TotalPages and a prev/next-only `Link`."""
    per_page = _int_param(request, "per_page", 10, 1, 100)
    page = _int_param(request, "page", 1, 1, None)
    offset = _int_param(request, "offset", (page - 1) * per_page, 0, None)
    total = len(items)
    total_pages = math.ceil(total / per_page) if total else 0
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(total_pages)}
    base = store.home_url + request.path
    links = []
    # Built from the request's own query, `oauth_*` (used nonce included) and all.
    if page > 1:
        links.append(f'<{base}?{_with_page(request, page - 1)}>; rel="prev"')
    if total_pages > page:
        links.append(f'<{base}?{_with_page(request, page + 1)}>; rel="next"')
    headers["Link"] = (
        ", ".join(links) if links else f'<{store.home_url}/wp-json/>; rel="https://api.w.org/"'
    )
    return wp_response(200, [render(item) for item in items[offset : offset + per_page]], headers)


def _with_page(request: Request, page: int) -> str:
    pairs = [(k, v) for k, v in request.query_pairs if k != "page"]
    index = next((i for i, (k, _) in enumerate(request.query_pairs) if k == "page"), len(pairs))
    pairs.insert(index, ("page", str(page)))
    return urlencode(pairs)


class RestApi:
    """Routes and handlers; `dispatch` returns None when no route matches."""

    def __init__(self, store: SimulatedStore, dispatcher: DeliveryDispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"customers"), self.list_customers),
            ("GET", re.compile(r"customers/(\d+)"), self.get_customer),
            ("GET", re.compile(r"orders"), self.list_orders),
            ("GET", re.compile(r"orders/(\d+)"), self.get_order),
            ("GET", re.compile(r"orders/(\d+)/refunds"), self.list_order_refunds),
            ("GET", re.compile(r"refunds"), self.list_refunds),
            ("GET", re.compile(r"webhooks"), self.list_webhooks),
            ("POST", re.compile(r"webhooks"), self.create_webhook),
            ("GET", re.compile(r"webhooks/(\d+)"), self.get_webhook),
            ("PUT", re.compile(r"webhooks/(\d+)"), self.update_webhook),
            ("DELETE", re.compile(r"webhooks/(\d+)"), self.delete_webhook),
        ]

    def route(self, request: Request) -> tuple[Callable[..., Any], tuple[str, ...]] | None:
        """The handler and path arguments for a request, or None (`rest_no_route`)."""
        if not request.path.startswith(PREFIX):
            return None
        rest = request.path[len(PREFIX) :].rstrip("/")
        if rest == "refunds" and self.store.faults.no_refunds_route:
            return None  # as on WooCommerce < 9.0
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(rest)
            if match and method == request.method:
                return handler, match.groups()
        return None

    # -- customers ---------------------------------------------------------------------------

    def list_customers(self, request: Request) -> Response:
        role = _enum_param(request, "role", "customer", ("all", *ROLES))
        orderby = _enum_param(
            request, "orderby", "name", ("id", "include", "name", "registered_date")
        )
        order = _enum_param(request, "order", "asc", ("asc", "desc"))
        email = request.params.get("email", "").lower()
        with self.store.lock:
            found = [
                c
                for c in self.store.customers.values()
                if (role == "all" or c.role == role) and (not email or c.email.lower() == email)
            ]
            keys: dict[str, Callable[[CustomerRecord], Any]] = {
                "id": lambda c: c.id,
                "include": lambda c: c.id,
                "name": lambda c: (f"{c.first_name} {c.last_name}".strip() or c.username, c.id),
                "registered_date": lambda c: (c.date_created, c.id),
            }
            found.sort(key=keys[orderby], reverse=order == "desc")
            return paginate(self.store, request, found, self.store.shapes.customer)

    def get_customer(self, request: Request, customer_id: str) -> Response:
        with self.store.lock:
            customer = self.store.customers.get(int(customer_id))
            if customer is None:
                return wp_error(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
            return wp_response(200, self.store.shapes.customer(customer))

    # -- orders and refunds ------------------------------------------------------------------

    def list_orders(self, request: Request) -> Response:
        statuses = [s for s in request.params.get("status", "any").split(",") if s] or ["any"]
        for index, status in enumerate(statuses):
            if status not in ("any", "trash", *ORDER_STATUSES):
                raise InvalidParam(
                    "status",
                    f"status[{index}] is not one of any, trash, {', '.join(ORDER_STATUSES)}.",
                    "rest_not_in_enum",
                )
        orderby = _enum_param(
            request, "orderby", "date", ("date", "id", "include", "title", "slug", "modified")
        )
        order = _enum_param(request, "order", "desc", ("asc", "desc"))
        gmt = request.params.get("dates_are_gmt", "false").lower() in {"1", "true"}
        bounds = {
            name: _date_param(request, name)
            for name in ("after", "before", "modified_after", "modified_before")
        }
        customer = (
            _int_param(request, "customer", 0, 0, None) if "customer" in request.params else None
        )
        include = _id_list_param(request, "include")
        offset = timedelta(minutes=self.store.settings.utc_offset_minutes)

        def moment(value: datetime) -> datetime:
            # Compared in UTC with dates_are_gmt, else in the store's local time.
            if value.tzinfo is not None:
                return value.astimezone(UTC).replace(tzinfo=None) + (timedelta() if gmt else offset)
            return value

        shift = timedelta() if gmt else offset
        # The bounds are exclusive, as WP_Date_Query's default; only those given are checked.
        limits = [
            (moment(bound), name.startswith("modified"), name.endswith("after"))
            for name, bound in bounds.items()
            if bound is not None
        ]
        any_status = "any" in statuses
        hidden = HIDDEN_FROM_ANY - set(statuses)
        wanted = set(statuses)

        def visible(o: OrderRecord) -> bool:
            if any_status:
                if o.status in hidden:
                    return False
            elif o.status not in wanted:
                return False
            if customer is not None and o.customer_id != customer:
                return False
            if include is not None and o.id not in include:
                return False
            for limit, on_modified, after in limits:
                value = (o.date_modified if on_modified else o.date_created).replace(
                    tzinfo=None
                ) + shift
                if not (value > limit if after else value < limit):
                    return False
            return True

        sort_keys: dict[str, Callable[[OrderRecord], Any]] = {
            "date": lambda o: (o.date_created, o.id),
            "modified": lambda o: (o.date_modified, o.id),
            "id": lambda o: o.id,
            "include": lambda o: o.id,
            "title": lambda o: o.id,
            "slug": lambda o: o.id,
        }
        with self.store.lock:
            found = sorted(
                (o for o in self.store.orders.values() if visible(o)),
                key=sort_keys[orderby],
                reverse=order == "desc",
            )
            return paginate(
                self.store,
                request,
                found,
                lambda o: self.store.shapes.order(o, self.store.order_refunds(o)),
            )

    def get_order(self, request: Request, order_id: str) -> Response:
        with self.store.lock:
            order = self.store.orders.get(int(order_id))
            if order is None:
                return wp_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            return wp_response(200, self.store.shapes.order(order, self.store.order_refunds(order)))

    def list_order_refunds(self, request: Request, order_id: str) -> Response:
        with self.store.lock:
            order = self.store.orders.get(int(order_id))
            if order is None:
                return wp_error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
            refunds = sorted(
                self.store.order_refunds(order), key=lambda r: (r.date_created, r.id), reverse=True
            )
            return paginate(
                self.store,
                request,
                refunds,
                lambda r: self.store.shapes.refund(r, with_parent=False),
            )

    def list_refunds(self, request: Request) -> Response:
        orderby = _enum_param(
            request, "orderby", "date", ("date", "id", "include", "title", "slug", "modified")
        )
        order = _enum_param(request, "order", "desc", ("asc", "desc"))
        with self.store.lock:
            refunds = sorted(
                self.store.refunds.values(),
                key=(lambda r: r.id) if orderby != "date" else (lambda r: (r.date_created, r.id)),
                reverse=order == "desc",
            )
            return paginate(
                self.store,
                request,
                refunds,
                lambda r: self.store.shapes.refund(r, with_parent=True),
            )

    # -- webhooks ----------------------------------------------------------------------------

    def list_webhooks(self, request: Request) -> Response:
        status = _enum_param(request, "status", "all", ("all", *WEBHOOK_STATUSES))
        with self.store.lock:
            found = sorted(
                (w for w in self.store.webhooks.values() if status == "all" or w.status == status),
                key=lambda w: (w.date_created, w.id),
                reverse=True,
            )
            return paginate(self.store, request, found, self.store.shapes.webhook)

    def get_webhook(self, request: Request, webhook_id: str) -> Response:
        webhook = self.store.webhooks.get(int(webhook_id))
        if webhook is None:
            return wp_error(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
        return wp_response(200, self.store.shapes.webhook(webhook))

    async def create_webhook(self, request: Request) -> Response:
        body = request.json()
        missing = [name for name in ("topic", "delivery_url") if not body.get(name)]
        if missing:
            return wp_error(
                400,
                "rest_missing_callback_param",
                f"Missing parameter(s): {', '.join(missing)}",
                params=missing,
            )
        invalid = self._invalid_webhook(body)
        if invalid is not None:
            return invalid
        webhook = self.store.add_webhook(
            name=str(
                body.get("name") or f"Webhook created on {self.store.now():%b %d, %Y @ %I:%M %p}"
            ),
            topic=str(body["topic"]),
            delivery_url=str(body["delivery_url"]),
            # Without a secret the store makes one up and never tells: always send your own.
            secret=str(body.get("secret") or secrets.token_urlsafe(37)[:50]),
        )
        await self.dispatcher.ping(webhook)
        location = f"{self.store.home_url}{PREFIX}webhooks/{webhook.id}"
        return wp_response(201, self.store.shapes.webhook(webhook), {"Location": location})

    def _invalid_webhook(self, body: dict[str, Any]) -> Response | None:
        topic = body.get("topic")
        if topic is not None:
            resource, _, event = str(topic).partition(".")
            custom = str(topic).startswith(("action.woocommerce_", "action.wc_"))
            if not custom and (resource not in WEBHOOK_RESOURCES or event not in WEBHOOK_EVENTS):
                return wp_error(
                    400,
                    "woocommerce_rest_shop_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                )
        url = body.get("delivery_url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            return wp_error(
                400,
                "woocommerce_rest_shop_webhook_invalid_delivery_url",
                "Webhook delivery URL must be a valid URL starting with http:// or https://.",
            )
        status = body.get("status")
        if status is not None and status not in WEBHOOK_STATUSES:
            raise InvalidParam(
                "status", f"status is not one of {', '.join(WEBHOOK_STATUSES)}.", "rest_not_in_enum"
            )
        return None

    async def update_webhook(self, request: Request, webhook_id: str) -> Response:
        webhook = self.store.webhooks.get(int(webhook_id))
        if webhook is None:
            return wp_error(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
        body = request.json()
        invalid = self._invalid_webhook(body)
        if invalid is not None:
            return invalid
        url_changed = "delivery_url" in body and body["delivery_url"] != webhook.delivery_url
        with self.store.lock:
            for name in ("name", "topic", "delivery_url", "secret", "status"):
                if name in body:
                    # Status changes leave failure_count alone: re-enabling keeps the count.
                    setattr(webhook, name, str(body[name]))
            webhook.date_modified = self.store.now()
        if url_changed and webhook.status == "active":
            await self.dispatcher.ping(webhook)
        return wp_response(200, self.store.shapes.webhook(webhook))

    def delete_webhook(self, request: Request, webhook_id: str) -> Response:
        if request.params.get("force", "").lower() not in {"1", "true"}:
            return wp_error(
                501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing."
            )
        with self.store.lock:
            webhook = self.store.webhooks.pop(int(webhook_id), None)
        if webhook is None:
            return wp_error(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
        return wp_response(200, self.store.shapes.webhook(webhook))
