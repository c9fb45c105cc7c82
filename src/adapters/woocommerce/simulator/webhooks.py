"""Webhook deliveries as a store makes them.

- Queued per (webhook, resource): a change while a delivery is pending adds nothing (the
  store's "one action per webhook and arg" rule), so quick changes coalesce.
- The payload is built when the delivery runs, from the resource's state at that moment.
- Signed with base64(HMAC-SHA256(body, secret)); redirects are not followed; 200-302 is
  success; never retried; a webhook is disabled on the 7th consecutive failure (`> 5` is
  checked before counting).
- A ping (`webhook_id=N`, form-encoded, unsigned) on create and when the URL changes; only
  exactly 200 clears `pending_delivery`, and a webhook still pending is pinged again after
  each delivery.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ssl
import time
from dataclasses import replace
from typing import Any

import httpx

from wooconnect.adapters.woocommerce.signatures import sign_webhook_body
from wooconnect.adapters.woocommerce.simulator.payloads import error_body, wp_json_encode
from wooconnect.adapters.woocommerce.simulator.records import DeliveryRecord, WebhookRecord
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore

USER_AGENT = "WooCommerce/10.0.2 Hookshot (WordPress/6.8.8)"
MAX_FAILURES = 5


class DeliveryDispatcher:
    """Delivers a store's webhooks from the event loop it was started on."""

    def __init__(self, store: SimulatedStore) -> None:
        self.store = store
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: httpx.AsyncClient | None = None
        # Verifies the receivers' certificates (webhooks, key-grant callbacks) as WordPress
        # does; `trust` adds a certificate authority, e.g. a test's self-signed one.
        self._tls = ssl.create_default_context()
        self._pending: dict[tuple[int, int], None] = {}
        self._flush: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        store.listeners.append(self.on_event)

    async def start(self) -> None:
        """Bind to the running loop; deliveries happen only while started."""
        self._loop = asyncio.get_running_loop()
        self._http = httpx.AsyncClient(
            follow_redirects=False, timeout=self.store.settings.delivery_timeout, verify=self._tls
        )

    async def stop(self) -> None:
        loop, self._loop = self._loop, None
        if self._flush is not None:
            self._flush.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
        del loop

    def trust(self, ca_file: str) -> None:
        """Trust the certificates `ca_file` signed, from the next connection on."""
        self._tls.load_verify_locations(cafile=ca_file)

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("the delivery dispatcher is not started")
        return self._http

    def on_event(self, topic: str, resource_id: int) -> None:
        """Called by the store (from any thread) when a topic fires for a resource."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._enqueue, topic, resource_id)

    def _enqueue(self, topic: str, resource_id: int) -> None:
        with self.store.lock:
            targets = [
                w.id
                for w in self.store.webhooks.values()
                if w.topic == topic and w.status == "active"
            ]
        for webhook_id in targets:
            self._pending.setdefault((webhook_id, resource_id), None)
        if targets and self._flush is None and self._loop is not None:
            self._flush = self._loop.call_later(
                self.store.settings.coalesce_seconds, self._start_flush
            )

    def _start_flush(self) -> None:
        self._flush = None
        batch = list(self._pending)
        self._pending.clear()
        if self.store.faults.reorder_deliveries:
            batch.reverse()
        task = asyncio.ensure_future(self._deliver_all(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_all(self, batch: list[tuple[int, int]]) -> None:
        for webhook_id, resource_id in batch:
            await self.deliver(webhook_id, resource_id)

    def payload(self, webhook: WebhookRecord, resource_id: int) -> bytes:
        """The body as the store builds it at delivery time."""
        store = self.store
        if webhook.event == "deleted":
            body: Any = {"id": resource_id}
        elif webhook.resource == "order":
            with store.lock:
                order = store.orders.get(resource_id)
                body = (
                    store.shapes.order(order, store.order_refunds(order))
                    if order
                    else error_body("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
                )
        else:
            with store.lock:
                customer = store.customers.get(resource_id)
                body = (
                    store.shapes.customer(customer)
                    if customer
                    else error_body("woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
                )
        return wp_json_encode(body)

    async def deliver(self, webhook_id: int, resource_id: int) -> None:
        """Deliver one queued (webhook, resource) now, applying the delivery faults."""
        webhook = self.store.webhooks.get(webhook_id)
        if webhook is None or webhook.status != "active":
            return
        body = self.payload(webhook, resource_id)
        headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": self.store.home_url + "/",
            "X-WC-Webhook-Topic": webhook.topic,
            "X-WC-Webhook-Resource": webhook.resource,
            "X-WC-Webhook-Event": webhook.event,
            "X-WC-Webhook-Signature": sign_webhook_body(body, webhook.secret),
            "X-WC-Webhook-ID": str(webhook.id),
            # `wp_hash($id . strtotime('now'))`: the same for two deliveries in one second.
            "X-WC-Webhook-Delivery-ID": hmac.new(
                b"simulator", f"{webhook.id}{int(time.time())}".encode(), hashlib.md5
            ).hexdigest(),
        }
        record = DeliveryRecord(
            webhook.id,
            webhook.topic,
            "delivery",
            resource_id,
            webhook.delivery_url,
            body,
            headers,
            self.store.now(),
        )
        if self.store.take_fault("drop_deliveries"):
            record.dropped = True
            self.store.record_delivery(record)
            return
        copies = 2 if self.store.take_fault("duplicate_deliveries") else 1
        for _ in range(copies):
            await self._post(webhook, record)
        if webhook.pending_delivery and webhook.status == "active":
            await self.ping(webhook)

    async def _post(self, webhook: WebhookRecord, template: DeliveryRecord) -> None:
        record = replace(template, at=self.store.now())
        try:
            response = await self.http.post(
                webhook.delivery_url, content=record.body, headers=record.headers
            )
            record.status_code = response.status_code
        except httpx.HTTPError as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        with self.store.lock:
            if record.status_code is not None and 200 <= record.status_code < 303:
                webhook.failure_count = 0
            elif webhook.failure_count > MAX_FAILURES:
                webhook.status = "disabled"
            else:
                webhook.failure_count += 1
        self.store.record_delivery(record)

    async def ping(self, webhook: WebhookRecord) -> DeliveryRecord:
        """POST `webhook_id=N` (form, unsigned, no X-WC-Webhook headers)."""
        body = f"webhook_id={webhook.id}".encode()
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"}
        record = DeliveryRecord(
            webhook.id,
            webhook.topic,
            "ping",
            None,
            webhook.delivery_url,
            body,
            headers,
            self.store.now(),
        )
        try:
            response = await self.http.post(
                webhook.delivery_url, content=body, headers=headers, follow_redirects=True
            )
            record.status_code = response.status_code
        except httpx.HTTPError as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        with self.store.lock:
            webhook.pending_delivery = record.status_code != 200
        self.store.record_delivery(record)
        return record
