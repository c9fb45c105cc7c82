"""A connection's store concurrency over HTTP: shown on the connection (the number in force and
whether it is the connection's own or the deployment's default), changed with
`PATCH /api/v1/connections/{id}` (1 to 16, or null for the deployment's default), described in
the OpenAPI document.

The app is assembled from the connection controller with the real principal dependency and
error handlers, over the in-memory fakes of the use-case tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from tests.app.conftest import RULES, World, make_world
from tests.fakes.memory import InMemoryUnitOfWorkFactory
from wooconnect.adapters.http.connections import ConnectionController
from wooconnect.adapters.http.deps import PRINCIPAL
from wooconnect.adapters.http.errors import EXCEPTION_HANDLERS
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.adapters.services import Services
from wooconnect.adapters.settings import Secrets
from wooconnect.app.auth import hash_api_key
from wooconnect.app.ports.rules import RULE_SET_IDS
from wooconnect.app.ports.store import StoreAccess
from wooconnect.domain.ids import new_id
from wooconnect.domain.tenancy import ApiKey

ADMIN_TOKEN = "admin-token-for-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The deployment's default in these tests: not the built-in 4, so that showing it is a choice.
DEPLOYMENT_DEFAULT = 6


@dataclass
class FakeContainer:
    """What the providers of `adapters.http.deps` read from `app.state.container`."""

    services: Services
    uow: InMemoryUnitOfWorkFactory
    secrets: Secrets


@dataclass
class Api:
    client: AsyncTestClient[Any]
    world: World

    async def connection_id(self) -> str:
        _agency, location = await self.world.agency_with_location()
        return (await self.world.connected(location)).id

    async def key_of_another_agency(self) -> dict[str, str]:
        agency, _location = await self.world.agency_with_location("Other")
        key = "wck_" + new_id().replace("-", "")
        async with self.world.uow() as uow:
            now = self.world.uow.clock.now()
            await uow.api_keys.add(ApiKey(new_id(), agency, hash_api_key(key), key[:8], now))
            await uow.commit()
        return {"Authorization": f"Bearer {key}"}

    async def patch(self, connection_id: str, body: Any, **headers: str) -> Any:
        return await self.client.patch(
            f"/api/v1/connections/{connection_id}", json=body, headers=headers or ADMIN
        )


@pytest.fixture(scope="module")
def rules() -> FileRuleSource:
    source = FileRuleSource(RULES, required=RULE_SET_IDS)
    source.load()
    return source


@pytest.fixture
async def api(rules: FileRuleSource) -> AsyncIterator[Api]:
    world = make_world(rules, store_concurrency=DEPLOYMENT_DEFAULT)
    container = FakeContainer(world.services, world.uow, Secrets("unused", ADMIN_TOKEN))
    app = Litestar(
        route_handlers=[ConnectionController],
        dependencies=PRINCIPAL,
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"container": container}),
    )
    async with AsyncTestClient(app=app) as client:
        yield Api(client, world)


def in_force(connection: Any) -> tuple[int, str]:
    return connection["store_concurrency"], connection["store_concurrency_source"]


async def test_a_connection_follows_the_deployment_s_default_until_it_sets_its_own(
    api: Api,
) -> None:
    cid = await api.connection_id()
    shown = await api.client.get(f"/api/v1/connections/{cid}", headers=ADMIN)
    assert in_force(shown.json()) == (DEPLOYMENT_DEFAULT, "default")

    changed = await api.patch(cid, {"store_concurrency": 8})
    assert changed.status_code == 200, changed.text
    assert in_force(changed.json()) == (8, "connection")
    shown = await api.client.get(f"/api/v1/connections/{cid}", headers=ADMIN)
    assert in_force(shown.json()) == (8, "connection")
    async with api.world.uow() as uow:
        stored = await uow.connections.get(cid)
    assert stored is not None
    assert StoreAccess.of(stored).concurrency == 8

    reset = await api.patch(cid, {"store_concurrency": None})
    assert in_force(reset.json()) == (DEPLOYMENT_DEFAULT, "default")
    async with api.world.uow() as uow:
        stored = await uow.connections.get(cid)
    assert stored is not None
    assert StoreAccess.of(stored).concurrency is None


async def test_an_empty_change_changes_nothing(api: Api) -> None:
    cid = await api.connection_id()
    await api.patch(cid, {"store_concurrency": 2})
    unchanged = await api.patch(cid, {})
    assert unchanged.status_code == 200
    assert in_force(unchanged.json()) == (2, "connection")


@pytest.mark.parametrize("wrong", [0, 17, -3, "eight", 2.5])
async def test_a_store_concurrency_outside_1_to_16_is_refused_with_the_field(
    api: Api, wrong: object
) -> None:
    cid = await api.connection_id()
    refused = await api.patch(cid, {"store_concurrency": wrong})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "validation_failed"
    assert "store_concurrency" in body["fields"]
    shown = await api.client.get(f"/api/v1/connections/{cid}", headers=ADMIN)
    assert in_force(shown.json()) == (DEPLOYMENT_DEFAULT, "default")


async def test_an_unknown_setting_is_refused(api: Api) -> None:
    cid = await api.connection_id()
    refused = await api.patch(cid, {"concurrency": 8})
    assert refused.status_code in (400, 422)
    assert refused.json()["error"] == "validation_failed"


async def test_another_agency_cannot_change_a_connection_it_cannot_see(api: Api) -> None:
    cid = await api.connection_id()
    other = await api.key_of_another_agency()
    refused = await api.patch(cid, {"store_concurrency": 16}, **other)
    assert refused.status_code == 404


async def test_the_setting_and_its_bounds_are_in_the_openapi_document(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/connections/{connection_id}"]["patch"]
    assert operation["operationId"] == "updateConnection"

    shapes = schema["components"]["schemas"]
    change = shapes["ConnectionPatch"]["properties"]["store_concurrency"]
    types = {variant.get("type") for variant in change.get("oneOf", [change])}
    assert types == {"integer", "null"}, change
    shown = shapes["ConnectionOut"]["properties"]
    assert shown["store_concurrency"]["type"] == "integer"
    assert shown["store_concurrency_source"]["enum"] == ["connection", "default"]
    for field in (change, shown["store_concurrency"]):
        assert (field["minimum"], field["maximum"]) == (1, 16)
        assert "default" in field["description"]
