"""Retries, timeouts, error mapping and undecodable records."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from tests.woocommerce.conftest import access_for, http_client_for, woo_client
from wooconnect.adapters.woocommerce import RetryPolicy, WooCommerceClient
from wooconnect.adapters.woocommerce.simulator import RunningSimulator
from wooconnect.app.errors import (
    UpstreamRejected,
    UpstreamRequestInvalid,
    UpstreamUnavailable,
)
from wooconnect.app.ports.store import StoreAccess
from wooconnect.domain.connection import StoreCredentials
from wooconnect.domain.store_url import StoreUrl

ACCESS = StoreAccess(
    "conn-mock",
    StoreUrl.parse("https://shop.example.com"),
    StoreCredentials("ck_" + "1" * 40, "cs_" + "2" * 40),
)
ORDER = {
    "id": 5,
    "status": "processing",
    "currency": "EUR",
    "total": "10.00",
    "customer_id": 0,
    "billing": {"email": "g@example.test"},
    "date_created": "2026-01-02T10:00:00",
    "date_created_gmt": "2026-01-02T09:00:00",
    "date_modified": "2026-01-02T10:00:00",
    "date_modified_gmt": "2026-01-02T09:00:00",
    "refunds": [{"id": 9, "total": "-2.50"}],
}


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def mocked(
    handler: Callable[[httpx.Request], httpx.Response], **options: object
) -> tuple[WooCommerceClient, Sleeps]:
    sleeps = Sleeps()
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    settings: dict[str, object] = {
        "retry": RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=5.0),
        "sleep": sleeps,
        "allow_private_stores": True,
    }
    settings.update(options)
    return WooCommerceClient(http, **settings), sleeps  # type: ignore[arg-type]


def page(items: list[object], total_pages: int = 1) -> httpx.Response:
    return httpx.Response(
        200,
        json=items,
        headers={"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(total_pages)},
    )


async def test_429_is_retried_after_the_retry_after_the_store_asked_for() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "3"}), page([ORDER])]
    client, sleeps = mocked(lambda request: answers.pop(0))
    pages = [p async for p in client.orders(ACCESS)]
    assert pages[0].items[0].id == 5
    assert sleeps.delays == [3.0]


async def test_a_retry_after_beyond_the_policy_is_handed_to_the_caller() -> None:
    client, sleeps = mocked(lambda request: httpx.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get_order(ACCESS, 5)
    assert caught.value.retry_after == 600.0
    assert sleeps.delays == []


async def test_5xx_is_retried_with_growing_jittered_backoff_then_gives_up() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="<html>down</html>")

    client, sleeps = mocked(handler)
    with pytest.raises(UpstreamUnavailable):
        await client.get_order(ACCESS, 5)
    assert len(calls) == 4
    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays, start=1):
        ceiling = min(5.0, 0.1 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling


async def test_a_timeout_is_retried_and_then_succeeds() -> None:
    answers: list[httpx.Response | Exception] = [httpx.ReadTimeout("slow"), page([ORDER])]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client, sleeps = mocked(handler)
    pages = [p async for p in client.orders(ACCESS)]
    assert pages[0].items[0].total == Decimal("10.00")
    assert len(sleeps.delays) == 1


async def test_each_oauth_retry_is_signed_afresh() -> None:
    nonces: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nonces.append(request.url.params["oauth_nonce"])
        return httpx.Response(502) if len(nonces) == 1 else page([ORDER])

    client, _ = mocked(handler)
    plain = StoreAccess(
        "c", StoreUrl.parse("http://shop.test", allow_insecure=True), ACCESS.credentials
    )
    _ = [p async for p in client.orders(plain)]
    assert len(set(nonces)) == 2


async def test_401_is_a_permanent_rejection_with_the_stores_code_and_message() -> None:
    body = {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    }
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(401, json=body)

    client, sleeps = mocked(handler)
    with pytest.raises(UpstreamRejected) as caught:
        _ = [p async for p in client.customers(ACCESS)]
    assert (caught.value.status, caught.value.store_code) == (401, "woocommerce_rest_cannot_view")
    assert caught.value.store_message == "Sorry, you cannot list resources."
    # Basic, then the query-string fallback once; never retried with backoff.
    assert len(calls) == 2
    assert sleeps.delays == []


async def test_a_url_without_woocommerce_is_rejected_permanently() -> None:
    client, _ = mocked(lambda request: httpx.Response(404, text="<html>Not Found</html>"))
    with pytest.raises(UpstreamRejected) as caught:
        await client.check_credentials(ACCESS)
    assert caught.value.status == 404
    assert caught.value.store_code == "http_404"


async def test_rest_invalid_param_is_reported_as_our_bug() -> None:
    body = {
        "code": "rest_invalid_param",
        "message": "Invalid parameter(s): orderby",
        "data": {"status": 400, "params": {"orderby": "orderby is not one of id."}},
    }
    client, _ = mocked(lambda request: httpx.Response(400, json=body))
    with pytest.raises(UpstreamRequestInvalid, match="orderby is not one of id"):
        _ = [p async for p in client.orders(ACCESS)]


async def test_one_undecodable_record_is_reported_and_the_rest_of_the_page_decodes() -> None:
    broken_total = {**ORDER, "id": 6, "total": "ten euros"}
    no_status = {k: v for k, v in ORDER.items() if k != "status"} | {"id": 7}
    bad_date = {**ORDER, "id": 8, "date_created_gmt": "yesterday"}
    records = [ORDER, broken_total, no_status, "not an object", bad_date, {**ORDER, "id": 9}]
    client, _ = mocked(lambda request: page(records))
    [result] = [p async for p in client.orders(ACCESS)]
    assert [o.id for o in result.items] == [5, 9]
    reasons = {e.record_id: e.reason for e in result.errors}
    assert set(reasons) == {"6", "7", "#3", "8"}
    assert "ten euros" in reasons["6"]
    assert "status" in reasons["7"]


async def test_dates_prefer_the_gmt_twin_and_refund_totals_become_positive() -> None:
    client, _ = mocked(lambda request: page([ORDER]))
    [result] = [p async for p in client.orders(ACCESS)]
    order = result.items[0]
    assert order.date_created_gmt is not None
    assert order.date_created_gmt.isoformat() == "2026-01-02T09:00:00+00:00"
    assert order.refunds[0].amount == Decimal("2.50")


async def test_a_store_timeout_over_real_http_is_retried(simulator: RunningSimulator) -> None:
    simulator.store.faults.update({"timeout_next": 1, "hang_seconds": 2.0})
    async with http_client_for(simulator) as http:
        client = woo_client(http, timeout=httpx.Timeout(0.3))
        order = await client.get_order(access_for(simulator), 11)
    assert order is not None
    assert order.id == 11


async def test_injected_429s_and_503s_over_real_http_are_ridden_out(
    simulator: RunningSimulator,
) -> None:
    simulator.store.faults.update({"rate_limit_next": 1, "retry_after": 0, "server_error_next": 2})
    async with http_client_for(simulator) as http:
        pages = [p async for p in woo_client(http).customers(access_for(simulator))]
    assert sum(len(p.items) for p in pages) == len(simulator.store.customers)


async def test_persistent_5xx_over_real_http_becomes_unavailable(
    simulator: RunningSimulator,
) -> None:
    simulator.store.faults.update({"server_error_next": 100})
    async with http_client_for(simulator) as http:
        with pytest.raises(UpstreamUnavailable):
            await woo_client(http).get_customer(access_for(simulator), 3)


def test_a_page_size_above_the_stores_limit_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="page_size"):
        WooCommerceClient(httpx.AsyncClient(), page_size=101)


class ErrorLog:
    def __init__(self) -> None:
        self.heard: list[tuple[str, str]] = []

    async def __call__(self, connection_id: str, kind: str) -> None:
        self.heard.append((connection_id, kind))


async def test_each_failed_request_is_reported_with_its_connection_once_retries_are_spent() -> None:
    errors = ErrorLog()
    answers = [httpx.Response(503)] * 4 + [httpx.Response(401, json={"code": "x", "message": "no"})]
    client, _sleeps = mocked(lambda request: answers.pop(0), on_error=errors)

    with pytest.raises(UpstreamUnavailable):
        await client.get_order(ACCESS, 5)
    with pytest.raises(UpstreamRejected):
        await client.get_order(ACCESS, 5)

    assert errors.heard == [("conn-mock", "store_unavailable"), ("conn-mock", "store_rejected")]


async def test_a_record_the_store_does_not_have_is_no_store_error() -> None:
    errors = ErrorLog()
    missing = {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}
    client, _sleeps = mocked(lambda request: httpx.Response(404, json=missing), on_error=errors)

    assert await client.get_order(ACCESS, 5) is None
    assert errors.heard == []
