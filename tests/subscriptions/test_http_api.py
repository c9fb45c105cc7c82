"""The trigger-subscription endpoints through Litestar, over the in-memory fakes.

The app is assembled from the controllers under test with the real principal dependency and
error handlers, so these tests need neither the composition root nor a database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from tests.fakes.memory import InMemoryUnitOfWorkFactory
from tests.fakes.store import FakeStoreClient
from tests.subscriptions.conftest import RecordingQueue, ScriptedSender, SubscriberWorld
from wooconnect.adapters.http.crm import CrmController
from wooconnect.adapters.http.deps import PRINCIPAL
from wooconnect.adapters.http.errors import EXCEPTION_HANDLERS
from wooconnect.adapters.http.subscriptions import SubscriptionController
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.adapters.services import Services, build_services
from wooconnect.adapters.settings import Secrets
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.app.auth import hash_api_key
from wooconnect.app.ports.rules import RULE_SET_IDS
from wooconnect.domain.ids import new_id
from wooconnect.domain.store_url import StoreUrl
from wooconnect.domain.tenancy import ApiKey
from wooconnect.domain.triggers import TriggerType

RULES = Path(__file__).resolve().parents[2] / "rules"
ADMIN_TOKEN = "admin-token-for-tests"
HOOK = "https://hooks.example.com/catch/1/"


class NoDirectory:
    """The subscription endpoints never look a store up."""

    async def check_address(self, url: StoreUrl) -> None:
        raise AssertionError("not used")

    def authorize_url(
        self, url: StoreUrl, *, state: str, return_url: str, callback_url: str
    ) -> str:
        raise AssertionError("not used")


@dataclass
class FakeContainer:
    """What the providers of `adapters.http.deps` read from `app.state.container` for these
    controllers: the services, units of work for the caller's authentication, and the admin
    token."""

    services: Services
    uow: InMemoryUnitOfWorkFactory
    secrets: Secrets


@dataclass
class Api:
    client: AsyncTestClient[Any]
    world: SubscriberWorld

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def agency_key(self, agency_id: str) -> dict[str, str]:
        key = "wck_" + new_id().replace("-", "")
        async with self.world.uow() as uow:
            await uow.api_keys.add(
                ApiKey(new_id(), agency_id, hash_api_key(key), key[:8], self.world.clock.now())
            )
            await uow.commit()
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    rules = FileRuleSource(RULES, required=RULE_SET_IDS)
    rules.load()
    uow = InMemoryUnitOfWorkFactory()
    queue = RecordingQueue()
    sender = ScriptedSender()
    services = build_services(
        uow=uow,
        clock=uow.clock,
        store=FakeStoreClient(),
        directory=NoDirectory(),
        codec=WooCommerceWebhookCodec(),
        rules=rules,
        queue=queue,
        public_url="https://crm.example.com",
        allow_private_stores=False,
        trigger_sender=sender,
    )
    container = FakeContainer(services, uow, Secrets("unused", ADMIN_TOKEN))
    world = SubscriberWorld(uow, uow.clock, queue, sender, services.subscriptions)

    app = Litestar(
        route_handlers=[SubscriptionController, CrmController],
        dependencies=PRINCIPAL,
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"container": container}),
    )
    async with AsyncTestClient(app=app) as client:
        yield Api(client, world)


async def test_subscribing_answers_201_with_the_secret_shown_only_then(api: Api) -> None:
    _, location = await api.world.agency_with_location()
    path = f"/api/v1/locations/{location}/trigger-subscriptions"
    created = await api.client.post(
        path, json={"url": HOOK, "events": ["payment_received"]}, headers=api.admin()
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "url", "events", "secret", "created_at"}
    assert body["url"] == HOOK
    assert body["events"] == ["payment_received"]
    assert body["secret"].startswith("whsec_")

    listed = await api.client.get(path, headers=api.admin())
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert listed.json()["next_cursor"] is None
    assert item["id"] == body["id"]
    assert "secret" not in item
    assert item["deliveries"] == {
        "pending": 0,
        "delivered": 0,
        "failed": 0,
        "last_attempt_at": None,
        "last_status_code": None,
        "last_error": None,
    }


async def test_invalid_subscriptions_are_422_with_fields(api: Api) -> None:
    _, location = await api.world.agency_with_location()
    path = f"/api/v1/locations/{location}/trigger-subscriptions"
    refused = await api.client.post(
        path, json={"url": "http://hooks.example.com", "events": []}, headers=api.admin()
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "validation_failed"
    assert set(refused.json()["fields"]) == {"url", "events"}
    malformed = await api.client.post(path, json={"url": HOOK}, headers=api.admin())
    assert malformed.status_code in {400, 422}
    assert "error" in malformed.json()


async def test_another_agencys_key_gets_404_and_its_own_key_works(api: Api) -> None:
    agency, location = await api.world.agency_with_location()
    other_agency, _ = await api.world.agency_with_location()
    path = f"/api/v1/locations/{location}/trigger-subscriptions"
    stranger = await api.agency_key(other_agency)
    owner = await api.agency_key(agency)
    payload = {"url": HOOK, "events": ["order_submitted"]}
    assert (await api.client.post(path, json=payload, headers=stranger)).status_code == 404
    assert (await api.client.get(path, headers=stranger)).status_code == 404
    created = await api.client.post(path, json=payload, headers=owner)
    assert created.status_code == 201
    remove = f"{path}/{created.json()['id']}"
    assert (await api.client.delete(remove, headers=stranger)).status_code == 404
    assert (await api.client.delete(remove, headers=owner)).status_code == 204
    assert (await api.client.delete(remove, headers=owner)).status_code == 404
    assert (await api.client.get(path, headers=owner)).json()["items"] == []
    assert (await api.client.get(path)).status_code == 401


async def test_the_trigger_list_shows_each_events_delivery_state(api: Api) -> None:
    _, location = await api.world.agency_with_location()
    quiet = await api.world.fire(location, TriggerType.PAYMENT_RECEIVED, woo_id=1)
    await api.client.post(
        f"/api/v1/locations/{location}/trigger-subscriptions",
        json={"url": HOOK, "events": ["order_submitted"]},
        headers=api.admin(),
    )
    fired = await api.world.fire(location, TriggerType.ORDER_SUBMITTED, woo_id=2)
    listed = await api.client.get(f"/api/v1/locations/{location}/triggers", headers=api.admin())
    states = {t["id"]: t["delivery_state"] for t in listed.json()["items"]}
    assert states == {quiet.id: "no_subscribers", fired.id: "pending"}
    await api.world.run_queue()
    listed = await api.client.get(f"/api/v1/locations/{location}/triggers", headers=api.admin())
    states = {t["id"]: t["delivery_state"] for t in listed.json()["items"]}
    assert states[fired.id] == "delivered"


async def test_every_subscription_operation_is_named_in_the_openapi_document(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    operations = {
        op["operationId"]
        for path, item in schema["paths"].items()
        if "trigger-subscriptions" in path
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert operations == {
        "createTriggerSubscription",
        "listTriggerSubscriptions",
        "deleteTriggerSubscription",
    }
