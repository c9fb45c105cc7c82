"""The webhook health check and the reconciliation schedule."""

from __future__ import annotations

from dataclasses import replace

from app.auth import ADMIN
from domain.connection import ConnectionStatus
from tests.app.conftest import World


async def test_a_disabled_webhook_is_recreated_not_reenabled(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    disabled = world.store.webhooks[0]
    world.store.webhooks[0] = replace(disabled, status="disabled")
    healthy = await world.services.connecting.heal_webhooks(connection.id)
    assert healthy is False  # it was not healthy; now it is repaired
    assert disabled.id not in {h.id for h in world.store.webhooks}
    assert {h.status for h in world.store.webhooks} == {"active"}
    assert await world.services.connecting.heal_webhooks(connection.id) is True


async def test_missing_webhooks_are_created_again(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    topics = sorted(h.topic for h in world.store.webhooks)
    world.store.webhooks.clear()
    await world.services.connecting.heal_webhooks(connection.id)
    assert sorted(h.topic for h in world.store.webhooks) == topics


async def test_revoked_keys_found_by_the_health_check_ask_for_a_reconnect(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    world.store.rejected = True
    assert await world.services.connecting.heal_webhooks(connection.id) is None
    current = (await world.services.queries.connection(ADMIN, connection.id)).connection
    assert current.status is ConnectionStatus.NEEDS_RECONNECT


async def test_each_active_connection_is_due_once_per_interval(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    connecting = world.services.connecting
    world.uow.clock.advance(seconds=900)  # past any first-slot offset
    assert await connecting.due_for_reconciliation(900) == [connection.id]
    await connecting.mark_reconciliation_scheduled(connection.id)
    assert await connecting.due_for_reconciliation(900) == []
    world.uow.clock.advance(seconds=901)
    assert await connecting.due_for_reconciliation(900) == [connection.id]


async def test_first_slots_are_spread_over_the_interval(world: World) -> None:
    locations = []
    for n in range(20):
        _a, location = await world.agency_with_location(f"Agency {n}")
        locations.append(location)
    for n, location in enumerate(locations):
        await world.connected(location, f"https://shop{n}.example.com")
    world.uow.clock.advance(seconds=450)
    due = await world.services.connecting.due_for_reconciliation(900)
    assert 0 < len(due) < 20
