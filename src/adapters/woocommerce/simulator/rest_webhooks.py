"""The simulated store's `/webhooks` routes: list, create (with a ping), read, update, delete,
and `POST /webhooks/batch`, as WooCommerce's webhooks controller answers them."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wooconnect.adapters.woocommerce.simulator.asgi import Request, Response, wp_error, wp_response
from wooconnect.adapters.woocommerce.simulator.payloads import error_body
from wooconnect.adapters.woocommerce.simulator.records import WebhookRecord
from wooconnect.adapters.woocommerce.simulator.rest_params import (
    InvalidParam,
    enum_param,
    paginate,
)
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore
from wooconnect.adapters.woocommerce.simulator.webhooks import DeliveryDispatcher

WEBHOOK_RESOURCES = {"coupon", "customer", "order", "product"}
WEBHOOK_EVENTS = {"created", "updated", "deleted", "restored"}
WEBHOOK_STATUSES = ("active", "paused", "disabled")
# `woocommerce_rest_batch_items_limit`: creates, updates and deletes together.
BATCH_LIMIT = 100


@dataclass
class WebhookRefused(Exception):
    """What the controller answers a single webhook operation it refuses (a `WP_Error`)."""

    status: int
    code: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def response(self) -> Response:
        return wp_error(self.status, self.code, self.message, **self.data)

    def batch_item(self, item_id: object) -> dict[str, Any]:
        """The error as a batch answers it, in place of the item."""
        return {
            "id": item_id,
            "error": error_body(self.code, self.message, self.status, **self.data),
        }


_INVALID_ID = WebhookRefused(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")


class WebhookRoutes:
    """Handlers of `webhooks`, `webhooks/{id}` and `webhooks/batch`, below the API prefix."""

    def __init__(self, store: SimulatedStore, dispatcher: DeliveryDispatcher, prefix: str) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.prefix = prefix
        self.routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"webhooks", self.list_webhooks),
            ("POST", r"webhooks", self.create_webhook),
            ("GET", r"webhooks/(\d+)", self.get_webhook),
            ("PUT", r"webhooks/(\d+)", self.update_webhook),
            ("DELETE", r"webhooks/(\d+)", self.delete_webhook),
            # WordPress's EDITABLE methods.
            *((method, r"webhooks/batch", self.batch) for method in ("POST", "PUT", "PATCH")),
        ]

    def list_webhooks(self, request: Request) -> Response:
        status = enum_param(request, "status", "all", ("all", *WEBHOOK_STATUSES))
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
            return _INVALID_ID.response()
        return wp_response(200, self.store.shapes.webhook(webhook))

    async def create_webhook(self, request: Request) -> Response:
        try:
            webhook = await self._create(request.json())
        except WebhookRefused as refused:
            return refused.response()
        location = f"{self.store.home_url}{self.prefix}webhooks/{webhook.id}"
        return wp_response(201, self.store.shapes.webhook(webhook), {"Location": location})

    async def update_webhook(self, request: Request, webhook_id: str) -> Response:
        try:
            webhook = await self._update(int(webhook_id), request.json())
        except WebhookRefused as refused:
            return refused.response()
        return wp_response(200, self.store.shapes.webhook(webhook))

    def delete_webhook(self, request: Request, webhook_id: str) -> Response:
        try:
            webhook = self._delete(int(webhook_id), request.params.get("force", ""))
        except WebhookRefused as refused:
            return refused.response()
        return wp_response(200, self.store.shapes.webhook(webhook))

    async def batch(self, request: Request) -> Response:
        """Creates, then updates, then deletes, each as its own request would (a create pings);
        a refused item is answered in its place with its error, and the rest go on. Deletes
        are forced. More than `BATCH_LIMIT` items in all are refused at once (413)."""
        body = request.json()
        # PHP's array_filter: an empty list is no list.
        items = {name: body[name] for name in ("create", "update", "delete") if body.get(name)}
        for name, value in items.items():
            if not isinstance(value, list):
                raise InvalidParam(name, f"{name} is not of type array.", "rest_invalid_type")
        if sum(len(v) for v in items.values()) > BATCH_LIMIT:
            return wp_error(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            )
        shape = self.store.shapes.webhook
        answer: dict[str, list[dict[str, Any]]] = {name: [] for name in items}
        for item in items.get("create", []):
            try:
                answer["create"].append(shape(await self._create(_object(item), batch=True)))
            except WebhookRefused as refused:
                answer["create"].append(refused.batch_item(0))
        for item in items.get("update", []):
            item_id = item.get("id") if isinstance(item, dict) else None
            try:
                updated = await self._update(_id(item_id), _object(item), batch=True)
                answer["update"].append(shape(updated))
            except WebhookRefused as refused:
                answer["update"].append(refused.batch_item(item_id))
        for item_id in items.get("delete", []):
            if item_id == 0:
                continue
            try:
                answer["delete"].append(shape(self._delete(_id(item_id), "true")))
            except WebhookRefused as refused:
                answer["delete"].append(refused.batch_item(item_id))
        # PHP has no key for a list it never added to, and encodes an empty array as a list.
        return wp_response(200, {name: found for name, found in answer.items() if found} or [])

    # -- one operation each ------------------------------------------------------------------

    async def _create(self, body: dict[str, Any], *, batch: bool = False) -> WebhookRecord:
        missing = [name for name in ("topic", "delivery_url") if not body.get(name)]
        if missing:
            raise WebhookRefused(
                400,
                "rest_missing_callback_param",
                f"Missing parameter(s): {', '.join(missing)}",
                {"params": missing},
            )
        self._check(body, batch=batch)
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
        return webhook

    async def _update(
        self, webhook_id: int, body: dict[str, Any], *, batch: bool = False
    ) -> WebhookRecord:
        webhook = self.store.webhooks.get(webhook_id)
        if webhook is None:
            raise _INVALID_ID
        self._check(body, batch=batch)
        url_changed = "delivery_url" in body and body["delivery_url"] != webhook.delivery_url
        with self.store.lock:
            for name in ("name", "topic", "delivery_url", "secret", "status"):
                if name in body:
                    # Status changes leave failure_count alone: re-enabling keeps the count.
                    setattr(webhook, name, str(body[name]))
            webhook.date_modified = self.store.now()
        if url_changed and webhook.status == "active":
            await self.dispatcher.ping(webhook)
        return webhook

    def _delete(self, webhook_id: int, force: str) -> WebhookRecord:
        if force.lower() not in {"1", "true"}:
            raise WebhookRefused(
                501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing."
            )
        with self.store.lock:
            webhook = self.store.webhooks.pop(webhook_id, None)
        if webhook is None:
            raise _INVALID_ID
        return webhook

    def _check(self, body: dict[str, Any], *, batch: bool = False) -> None:
        """Refuse what the controller refuses. A bad `status` fails the schema's validation
        of a single request (400 for the request); in a batch it is that item's error."""
        topic = body.get("topic")
        if topic is not None:
            resource, _, event = str(topic).partition(".")
            custom = str(topic).startswith(("action.woocommerce_", "action.wc_"))
            if not custom and (resource not in WEBHOOK_RESOURCES or event not in WEBHOOK_EVENTS):
                raise WebhookRefused(
                    400,
                    "woocommerce_rest_shop_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                )
        url = body.get("delivery_url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            raise WebhookRefused(
                400,
                "woocommerce_rest_shop_webhook_invalid_delivery_url",
                "Webhook delivery URL must be a valid URL starting with http:// or https://.",
            )
        status = body.get("status")
        if status is not None and status not in WEBHOOK_STATUSES:
            why = f"status is not one of {', '.join(WEBHOOK_STATUSES)}."
            if batch:
                raise WebhookRefused(
                    400,
                    "rest_invalid_param",
                    "Invalid parameter(s): status",
                    {"params": {"status": why}},
                )
            raise InvalidParam("status", why, "rest_not_in_enum")


def _object(item: object) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise WebhookRefused(400, "rest_invalid_param", "Invalid parameter(s): item")
    return item


def _id(value: object) -> int:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    raise _INVALID_ID
