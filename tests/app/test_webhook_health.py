"""The webhook health check."""

from __future__ import annotations

from dataclasses import replace

from tests.app.conftest import World
from wooconnect.app.auth import ADMIN
from wooconnect.domain.connection import ConnectionStatus


async def test_a_disabled_webhook_is_recreated_not_reenabled(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    disabled = world.store.webhooks[0]
    world.store.webhooks[0] = replace(disabled, status="disabled")
    healthy = await world.services.webhook_health.heal(connection.id)
    assert healthy is False  # it was not healthy; now it is repaired
    assert disabled.id not in {h.id for h in world.store.webhooks}
    assert {h.status for h in world.store.webhooks} == {"active"}
    assert await world.services.webhook_health.heal(connection.id) is True


async def test_missing_webhooks_are_created_again(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    topics = sorted(h.topic for h in world.store.webhooks)
    world.store.webhooks.clear()
    world.store.batches = 0
    await world.services.webhook_health.heal(connection.id)
    assert sorted(h.topic for h in world.store.webhooks) == topics
    assert world.store.batches == 1


async def test_revoked_keys_found_by_the_health_check_ask_for_a_reconnect(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    world.store.rejected = True
    assert await world.services.webhook_health.heal(connection.id) is None
    current = (await world.services.queries.connection(ADMIN, connection.id)).connection
    assert current.status is ConnectionStatus.NEEDS_RECONNECT


async def test_changing_the_sync_settings_repairs_the_webhooks(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    topics = sorted(h.topic for h in world.store.webhooks)
    world.store.webhooks.clear()
    updated = await world.services.connecting.set_sync_settings(ADMIN, connection.id, {})
    assert updated.connection.sync_settings == connection.sync_settings
    assert sorted(h.topic for h in world.store.webhooks) == topics
    current = (await world.services.queries.connection(ADMIN, connection.id)).connection
    assert current.webhooks_healthy is False  # found missing, then created again
