"""The typed API client: decoding, cursors, and one ApiError for every kind of failure."""

from __future__ import annotations

import httpx
import pytest

from tests.tui.fake_api import TOKEN, FakeApi
from tests.tui.fake_data import AGENCY_NORTHWIND, CONN_PINE, LOC_EVENTS, LOC_PINE
from wooconnect.tui.api import ApiClient, ApiError


def client_for(fake: FakeApi, token: str = TOKEN) -> ApiClient:
    return ApiClient("http://wooconnect.test", token, transport=fake.transport())


async def test_reads_tenants_and_connections_into_typed_values(fake: FakeApi) -> None:
    client = client_for(fake)
    agencies = await client.list_agencies()
    assert [a.name for a in agencies][:2] == ["Northwind Digital", "Fjord & Pine Marketing"]
    locations = await client.list_locations(AGENCY_NORTHWIND)
    assert len(locations) == 3
    connection = await client.location_connection(LOC_PINE)
    assert connection is not None
    assert connection.id == CONN_PINE
    assert connection.import_.transactions is True
    assert connection.store_domain == "pineoutdoor.example"
    assert [job.entity for job in connection.imports] == ["contacts", "orders", "transactions"]


async def test_a_location_without_a_connection_reads_as_none(fake: FakeApi) -> None:
    assert await client_for(fake).location_connection(LOC_EVENTS) is None


async def test_sync_changes_send_only_the_given_fields(fake: FakeApi) -> None:
    connection = await client_for(fake).update_sync(CONN_PINE, {"transactions": True})
    assert connection.sync.transactions is True
    assert fake.sent("PATCH", f"/connections/{CONN_PINE}/sync") == [{"transactions": True}]


async def test_deliveries_and_triggers_carry_the_stores_order_numbers(fake: FakeApi) -> None:
    client = client_for(fake)
    deliveries = await client.list_deliveries(CONN_PINE)
    assert [(d.resource_id, d.order_number) for d in deliveries[:4]] == [
        (10483, "82"),
        (10482, "81"),
        (10482, "81"),
        (2291, None),
    ]
    triggers = await client.list_triggers(LOC_PINE)
    assert [t.order_number for t in triggers] == ["81", "81", "80", "79", "78"]


async def test_a_locations_subscribers_and_its_agencys_keys_are_read(fake: FakeApi) -> None:
    client = client_for(fake)
    location = await client.get_location(LOC_PINE)
    agency = await client.get_agency(location.agency_id)
    assert agency.name == "Fjord & Pine Marketing"
    subscriptions = await client.list_subscriptions(LOC_PINE)
    assert [s.deliveries.failed for s in subscriptions] == [0, 1]
    assert subscriptions[1].deliveries.last_status_code == 502
    keys = await client.list_api_keys(agency.id)
    assert [key.prefix for key in keys] == ["wck_Fj8mQ2", "wck_p1NeG3"]


async def test_a_wrong_token_is_an_api_error_with_the_services_message(fake: FakeApi) -> None:
    with pytest.raises(ApiError) as caught:
        await client_for(fake, token="wrong").list_agencies()
    assert caught.value.status == 401
    assert caught.value.error == "unauthenticated"
    assert "check the admin token" in caught.value.message


async def test_an_unreachable_service_is_status_zero(fake: FakeApi) -> None:
    fake.reachable = False
    with pytest.raises(ApiError) as caught:
        await client_for(fake).get_rules()
    assert caught.value.unreachable
    assert caught.value.headline == "Service unreachable"


async def test_a_timeout_is_unreachable_too() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = ApiClient("http://x", TOKEN, transport=httpx.MockTransport(slow))
    with pytest.raises(ApiError) as caught:
        await client.list_agencies()
    assert caught.value.status == 0
    assert "did not answer in time" in caught.value.message


async def test_an_unexpected_body_is_an_api_error_not_a_crash() -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 3})

    client = ApiClient("http://x", TOKEN, transport=httpx.MockTransport(odd))
    with pytest.raises(ApiError) as caught:
        await client.get_connection("c")
    assert caught.value.error == "bad_response"


async def test_lists_follow_cursors() -> None:
    pages = {
        None: {"items": [{"id": "a1", "name": "A"}], "next_cursor": "2"},
        "2": {"items": [{"id": "a2", "name": "B"}], "next_cursor": None},
    }

    def paged(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/locations"):
            only = [{"id": "l1", "agency_id": "a1", "name": "L"}]
            return httpx.Response(200, json={"items": only, "next_cursor": None})
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    client = ApiClient("http://x", TOKEN, transport=httpx.MockTransport(paged))
    assert [a.id for a in await client.list_agencies()] == ["a1", "a2"]
    assert [loc.id for loc in await client.list_locations("a1")] == ["l1"]


async def test_a_list_answered_in_another_shape_is_a_bad_response() -> None:
    def bare(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": "a1", "name": "A"}])

    client = ApiClient("http://x", TOKEN, transport=httpx.MockTransport(bare))
    with pytest.raises(ApiError) as caught:
        await client.list_agencies()
    assert caught.value.error == "bad_response"


async def test_evaluate_refusals_carry_the_reason(fake: FakeApi) -> None:
    with pytest.raises(ApiError) as caught:
        await client_for(fake).evaluate("no_such_rules", {})
    assert caught.value.status == 422
    assert "no_such_rules" in caught.value.message
