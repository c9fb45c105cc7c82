"""While the database cannot be reached, over real HTTP: every part of the API answers 503
with `Retry-After` (never a 500, never a 401 for a valid key), the webhook receiver never
acknowledges a delivery it did not store, and all is well again once the database is back.

The production shape reaches its PostgreSQL database through a TCP proxy the test cuts: the
connections the service holds are dropped and new ones are closed at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.api import Linked, Tenant, at_once, bearer
from tests.support.proxy import TcpProxy, proxy_in_front_of
from tests.support.service import PRODUCTION, Service, running_service
from tests.support.services import POSTGRES_URL, require_postgres
from tests.support.store import StoreUnderTest, store_under_test
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.signatures import sign_webhook_body

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    require_postgres()
    with proxy_in_front_of(POSTGRES_URL) as running:
        yield running


@pytest.fixture
def service(tmp_path: Path, proxy: TcpProxy) -> Iterator[Service]:
    with running_service(PRODUCTION, tmp_path, route_database=proxy.route) as running:
        yield running


@pytest.fixture
def shop() -> Iterator[StoreUnderTest]:
    with store_under_test(seed=21) as store:
        yield store


def unavailable(answer: httpx.Response) -> None:
    where = f"{answer.request.method} {answer.request.url.path}"
    assert answer.status_code == 503, (where, answer.status_code, answer.text)
    assert int(answer.headers["Retry-After"]) > 0, where
    body: dict[str, Any] = answer.json()
    assert body["error"] == "database_unavailable", (where, body)
    assert body["message"]


def delivery(shop: StoreUnderTest, order_id: int) -> tuple[bytes, dict[str, str]]:
    """A signed `order.created` delivery of the store's, for an order of `order_id`."""
    first = shop.deliveries(topic="order.created")[0]
    payload = json.loads(first.body)
    payload["id"], payload["number"] = order_id, str(order_id)
    body = json.dumps(payload).encode()
    secret = next(iter(shop.store.webhooks.values())).secret
    headers = {
        **{k: v for k, v in first.headers.items() if k.lower().startswith("x-wc-webhook-")},
        "Content-Type": "application/json",
        "X-WC-Webhook-Signature": sign_webhook_body(body, secret),
    }
    return body, headers


def test_while_the_database_is_unreachable_the_api_answers_503_and_stores_nothing(
    service: Service, proxy: TcpProxy, shop: StoreUnderTest
) -> None:
    api = service.api
    tenant: Tenant = api.new_tenant("Outage")
    linked: Linked = api.link(shop.sim, shop.keys)
    shop.guest_order("before@example.com")
    eventually(lambda: len(api.all(linked, "orders")) == 1, what="the first order applied")
    inbox_before = api.deliveries(linked)
    receiver = f"{service.base_url}/webhooks/woocommerce/{linked.connection_id}"
    deliveries = [delivery(shop, 900_000 + n) for n in range(8)]

    proxy.cut()
    try:
        http = service.http
        location = linked.location_id
        for answer in [
            http.get("/api/v1/agencies"),
            http.post("/api/v1/agencies", json={"name": "Not now"}),
            http.get(f"/api/v1/locations/{location}/orders"),
            http.get(f"/api/v1/connections/{linked.connection_id}"),
            http.patch(f"/api/v1/connections/{linked.connection_id}/sync", json={"orders": False}),
            http.get(f"/api/v1/locations/{tenant.location_id}", headers=bearer(tenant.api_key)),
        ]:
            unavailable(answer)
        with httpx.Client(timeout=30) as store:
            answers = at_once(
                *(
                    lambda b=b, h=h: store.post(receiver, content=b, headers=h)
                    for b, h in deliveries
                )
            )
            ready = store.get(f"{service.base_url}/readyz")
        for answer in answers:
            unavailable(answer)
        assert ready.status_code == 503
        assert "Retry-After" in ready.headers
    finally:
        proxy.restore()

    eventually(
        lambda: service.http.get("/api/v1/agencies").status_code == 200,
        what="the API answers again once the database is back",
    )
    # Nothing answered 503 was stored: the store sends those again, and then they count.
    assert api.deliveries(linked) == inbox_before
    assert api.connection(linked.connection_id)["sync"]["orders"] is True
    with httpx.Client(timeout=30) as store:
        for body, headers in deliveries:
            again = store.post(receiver, content=body, headers=headers)
            assert again.status_code == 200, again.text
            assert again.json() == {"status": "stored"}
    eventually(
        lambda: len(api.all(linked, "orders")) == 1 + len(deliveries),
        what="the deliveries sent again applied",
    )
    assert "Traceback" not in service.api_log.text
    assert "unexpected error" not in service.api_log.text
