"""What support reads through the API besides the contract's lists: an agency's API keys (never
the keys themselves), and the store's order numbers on webhook deliveries and trigger events.

Litestar with the controllers under test, the real principal dependency, error handlers and
query parameter check, over the in-memory fakes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from tests.app.conftest import FakeDirectory
from tests.fakes.memory import InMemoryUnitOfWorkFactory
from tests.support.records import agency_and_location, connection_of
from wooconnect.adapters.http.crm import CrmController
from wooconnect.adapters.http.deps import PRINCIPAL
from wooconnect.adapters.http.errors import EXCEPTION_HANDLERS
from wooconnect.adapters.http.guards import record_query_parameters
from wooconnect.adapters.http.tenancy import TenancyController
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.app.key_grant import KeyGrantLinks
from wooconnect.app.queries import ConnectionViews, Queries
from wooconnect.app.tenancy import Tenancy
from wooconnect.domain.connection import Connection
from wooconnect.domain.crm import CrmOrderStatus, Order, OrderDraft
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery
from wooconnect.domain.triggers import TriggerEvent, TriggerType

ADMIN_TOKEN = "admin-token-for-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOME = "https://crm.example.com"


@dataclass
class Api:
    client: AsyncTestClient[Any]
    uow: InMemoryUnitOfWorkFactory


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    uow = InMemoryUnitOfWorkFactory()
    container = SimpleNamespace(
        services=SimpleNamespace(
            tenancy=Tenancy(uow, uow.clock),
            queries=Queries(
                uow,
                ConnectionViews(
                    uow.clock,
                    KeyGrantLinks(FakeDirectory(), "https://crm.example.com", allow_http=False),
                ),
                WooCommerceWebhookCodec(),
            ),
        ),
        uow=uow,
        secrets=SimpleNamespace(admin_token=ADMIN_TOKEN),
    )
    app = Litestar(
        route_handlers=[TenancyController, CrmController],
        dependencies=PRINCIPAL,
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"container": container}),
    )
    record_query_parameters(app)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, uow)


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_an_agencys_api_keys_list_without_the_keys(api: Api) -> None:
    agency = ok(await api.client.post("/api/v1/agencies", json={"name": "A"}, headers=ADMIN), 201)
    path = f"/api/v1/agencies/{agency['id']}/api-keys"
    first = ok(await api.client.post(path, headers=ADMIN), 201)
    second = ok(await api.client.post(path, headers=ADMIN), 201)

    listed = ok(await api.client.get(path, headers=ADMIN))
    assert listed["next_cursor"] is None
    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]
    for item, issued in zip(listed["items"], (second, first), strict=True):
        assert set(item) == {"id", "prefix", "created_at"}
        assert issued["key"].startswith(item["prefix"])
        assert len(item["prefix"]) < len(issued["key"]) // 2
    assert first["key"] not in json.dumps(listed)

    page = ok(await api.client.get(path, params={"limit": 1}, headers=ADMIN))
    assert [item["id"] for item in page["items"]] == [second["id"]]
    rest = ok(await api.client.get(path, params={"cursor": page["next_cursor"]}, headers=ADMIN))
    assert [item["id"] for item in rest["items"]] == [first["id"]]


async def test_only_the_admin_lists_api_keys_and_only_of_an_agency_that_exists(api: Api) -> None:
    agency = ok(await api.client.post("/api/v1/agencies", json={"name": "A"}, headers=ADMIN), 201)
    path = f"/api/v1/agencies/{agency['id']}/api-keys"
    issued = ok(await api.client.post(path, headers=ADMIN), 201)
    own_key = {"Authorization": f"Bearer {issued['key']}"}

    refused = await api.client.get(path, headers=own_key)
    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"
    assert (await api.client.get(path)).status_code == 401
    unknown = await api.client.get(f"/api/v1/agencies/{new_id()}/api-keys", headers=ADMIN)
    assert unknown.status_code == 404
    bad_limit = await api.client.get(path, params={"limit": 0}, headers=ADMIN)
    assert bad_limit.status_code == 422


async def seed_connection(api: Api) -> Connection:
    async with api.uow() as uow:
        agency, location = agency_and_location(T0)
        connection = connection_of(location, T0, webhook_secret="whsec_secret")
        await uow.agencies.add(agency)
        await uow.locations.add(location)
        await uow.connections.add(connection)
        await uow.commit()
    return connection


def delivery(
    connection: Connection, topic: str, resource_id: int | None, body: bytes
) -> InboxDelivery:
    return InboxDelivery(
        new_id(),
        connection.id,
        f"{topic}:{resource_id}:{new_id()}",
        topic,
        topic.split(".")[0],
        resource_id,
        T0,
        body,
        T0,
        DeliveryStatus.APPLIED,
    )


async def test_an_order_delivery_shows_the_stores_order_number(api: Api) -> None:
    connection = await seed_connection(api)
    async with api.uow() as uow:
        for stored in (
            delivery(connection, "order.created", 10482, b'{"id": 10482, "number": "81"}'),
            delivery(connection, "customer.updated", 2291, b'{"id": 2291, "number": "7"}'),
            delivery(connection, "order.updated", 10483, b'{"id": 10483, "number": '),
            delivery(connection, "order.deleted", 10484, b'{"id": 10484}'),
        ):
            await uow.inbox.add_if_new(stored)
        await uow.commit()

    listed = ok(
        await api.client.get(f"/api/v1/connections/{connection.id}/deliveries", headers=ADMIN)
    )
    numbers = {item["resource_id"]: item["order_number"] for item in listed["items"]}
    assert numbers == {10482: "81", 2291: None, 10483: None, 10484: None}


async def test_a_trigger_event_shows_the_stores_order_number(api: Api) -> None:
    connection = await seed_connection(api)
    draft = OrderDraft(
        woocommerce_order_id=10482,
        number="81",
        contact_id=None,
        status=CrmOrderStatus.PENDING,
        store_status="processing",
        currency="EUR",
        total=Decimal("42.50"),
        paid_at=None,
        placed_at=T0,
        source_modified_at=T0,
    )
    async with api.uow() as uow:
        order = Order.create(connection.location_id, draft, T0)
        await uow.orders.add(order)
        event = TriggerEvent(
            new_id(),
            connection.location_id,
            connection.id,
            TriggerType.ORDER_SUBMITTED,
            order.id,
            None,
            T0,
        )
        await uow.triggers.add_if_new(event)
        await uow.commit()

    listed = ok(
        await api.client.get(f"/api/v1/locations/{connection.location_id}/triggers", headers=ADMIN)
    )
    [item] = listed["items"]
    assert item["order_id"] == order.id
    assert item["order_number"] == "81"
