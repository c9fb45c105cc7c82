"""The REST API v3 routes of the simulated store (`/wp-json/wc/v3/...`), after authentication."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from wooconnect.adapters.woocommerce.simulator.asgi import Request, Response, wp_error, wp_response
from wooconnect.adapters.woocommerce.simulator.records import (
    CORE_STATUSES,
    HIDDEN_FROM_ANY,
    ROLES,
    CustomerRecord,
    OrderRecord,
)
from wooconnect.adapters.woocommerce.simulator.rest_params import (
    InvalidParam,
    date_param,
    enum_param,
    id_list_param,
    int_param,
    paginate,
)
from wooconnect.adapters.woocommerce.simulator.rest_webhooks import WebhookRoutes
from wooconnect.adapters.woocommerce.simulator.routing import Routes
from wooconnect.adapters.woocommerce.simulator.seed import CUSTOM_STATUS
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore
from wooconnect.adapters.woocommerce.simulator.webhooks import DeliveryDispatcher

PREFIX = "/wp-json/wc/v3/"
ORDER_STATUSES = (*CORE_STATUSES, CUSTOM_STATUS, "checkout-draft")


class RestApi:
    """Routes and handlers; `dispatch` returns None when no route matches."""

    def __init__(self, store: SimulatedStore, dispatcher: DeliveryDispatcher) -> None:
        self.store = store
        self.routes = Routes[Callable[..., Any]](
            ("GET", r"customers", self.list_customers),
            ("GET", r"customers/(\d+)", self.get_customer),
            ("GET", r"orders", self.list_orders),
            ("GET", r"orders/(\d+)", self.get_order),
            ("GET", r"orders/(\d+)/refunds", self.list_order_refunds),
            ("GET", r"refunds", self.list_refunds),
            *WebhookRoutes(store, dispatcher, PREFIX).routes,
        )

    def route(self, request: Request) -> tuple[Callable[..., Any], tuple[str, ...]] | None:
        """The handler and path arguments for a request, or None (`rest_no_route`)."""
        if not request.path.startswith(PREFIX):
            return None
        rest = request.path[len(PREFIX) :].rstrip("/")
        if rest == "refunds" and self.store.faults.no_refunds_route:
            return None  # as on WooCommerce < 9.0
        return self.routes.match(request.method, rest)

    # -- customers ---------------------------------------------------------------------------

    def list_customers(self, request: Request) -> Response:
        role = enum_param(request, "role", "customer", ("all", *ROLES))
        orderby = enum_param(
            request, "orderby", "name", ("id", "include", "name", "registered_date")
        )
        order = enum_param(request, "order", "asc", ("asc", "desc"))
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
        orderby = enum_param(
            request, "orderby", "date", ("date", "id", "include", "title", "slug", "modified")
        )
        order = enum_param(request, "order", "desc", ("asc", "desc"))
        gmt = request.params.get("dates_are_gmt", "false").lower() in {"1", "true"}
        bounds = {
            name: date_param(request, name)
            for name in ("after", "before", "modified_after", "modified_before")
        }
        customer = (
            int_param(request, "customer", 0, 0, None) if "customer" in request.params else None
        )
        include = id_list_param(request, "include")
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
        orderby = enum_param(
            request, "orderby", "date", ("date", "id", "include", "title", "slug", "modified")
        )
        order = enum_param(request, "order", "desc", ("asc", "desc"))
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
