"""The webhook receiver's answers to bad input, over real HTTP: each one gets its API.md
status, nothing is applied, and nothing already stored is lost."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.service import Service
from tests.support.store import StoreUnderTest, store_under_test
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.signatures import sign_webhook_body

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

NEVER_SEEN_ORDER = 987_654


def headers(topic: str = "order.created", signature: str | None = None) -> dict[str, str]:
    sent = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-ID": "1",
    }
    if signature is not None:
        sent["X-WC-Webhook-Signature"] = signature
    return sent


def secret_of(shop: StoreUnderTest) -> str:
    return next(iter(shop.store.webhooks.values())).secret


def an_order_body(shop: StoreUnderTest) -> bytes:
    """A real order payload of this store, for an order the service has never seen."""
    payload: dict[str, Any] = json.loads(shop.deliveries(topic="order.created")[0].body)
    payload["id"] = payload["number"] = NEVER_SEEN_ORDER
    return json.dumps(payload).encode()


def test_bad_deliveries_get_their_status_and_change_nothing(service: Service) -> None:
    api = service.api
    with store_under_test(seed=11) as shop, store_under_test(seed=12) as other:
        linked = api.link(shop.sim, shop.keys)
        gone = api.link(other.sim, other.keys)
        shop.guest_order("kept@example.com")
        eventually(lambda: len(api.all(linked, "orders")) == 1, what="the first order")
        eventually(
            lambda: [d["status"] for d in api.deliveries(linked)] == ["applied"],
            what="the first delivery applied",
        )
        orders_before = api.all(linked, "orders")
        inbox_before = api.deliveries(linked)
        url = f"{service.base_url}/webhooks/woocommerce/{linked.connection_id}"
        secret = secret_of(shop)
        body = an_order_body(shop)
        huge = body + b" " * (1536 * 1024)
        other_secret = secret_of(other)
        api.call("DELETE", f"/api/v1/connections/{gone.connection_id}", 204)

        with httpx.Client(timeout=30) as client:

            def post(target: str, content: bytes, sent: dict[str, str]) -> httpx.Response:
                return client.post(target, content=content, headers=sent)

            wrong = post(url, body, headers(signature=sign_webhook_body(body, "not-it")))
            missing = post(url, body, headers())
            too_big = post(url, huge, headers(signature=sign_webhook_body(huge, secret)))
            garbage = b"<html>not json</html>"
            unreadable = post(url, garbage, headers(signature=sign_webhook_body(garbage, secret)))
            unknown = post(
                f"{service.base_url}/webhooks/woocommerce/no-such-connection",
                body,
                headers(signature=sign_webhook_body(body, secret)),
            )
            disconnected = post(
                f"{service.base_url}/webhooks/woocommerce/{gone.connection_id}",
                body,
                headers(signature=sign_webhook_body(body, other_secret)),
            )

        answers = {
            "wrong signature": wrong.status_code,
            "missing signature": missing.status_code,
            "1.5 MiB body": too_big.status_code,
            "non-JSON, valid signature": unreadable.status_code,
            "unknown connection": unknown.status_code,
            "disconnected connection": disconnected.status_code,
        }
        assert answers == {
            "wrong signature": 401,
            "missing signature": 401,
            "1.5 MiB body": 413,
            "non-JSON, valid signature": 400,
            "unknown connection": 404,
            "disconnected connection": 404,
        }
        for response in (wrong, missing, too_big, unreadable, unknown, disconnected):
            assert set(response.json()) >= {"error", "message"}

        inbox_after = api.deliveries(linked)
        kept = [d for d in inbox_after if d["status"] == "invalid"]
        assert len(kept) == 1  # the unreadable body, kept for inspection
        assert [d for d in inbox_after if d["status"] != "invalid"] == inbox_before
        assert api.all(linked, "orders") == orders_before
        assert not api.all(gone, "orders")
