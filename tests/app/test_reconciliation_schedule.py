"""The reconciliation schedule: when each active connection is reconciled."""

from __future__ import annotations

from tests.app.conftest import World
from wooconnect.app.auth import ADMIN


async def test_each_active_connection_is_due_once_per_interval(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()  # its import
    schedule = world.services.reconciliation_schedule
    world.uow.clock.advance(seconds=900)  # past any first-slot offset
    assert await schedule.due(900) == [connection.id]
    await schedule.mark_scheduled(connection.id)
    assert await schedule.due(900) == []
    world.uow.clock.advance(seconds=901)
    assert await schedule.due(900) == [connection.id]


async def test_first_slots_are_spread_over_the_interval(world: World) -> None:
    locations = []
    for n in range(20):
        _a, location = await world.agency_with_location(f"Agency {n}")
        locations.append(location)
    for n, location in enumerate(locations):
        await world.connected(location, f"https://shop{n}.example.com")
    await world.run_queued()
    world.uow.clock.advance(seconds=450)
    due = await world.services.reconciliation_schedule.due(900)
    assert 0 < len(due) < 20


async def test_a_connection_is_not_due_while_its_import_runs_and_is_due_when_it_ends(
    world: World,
) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)  # its import jobs are queued, not run
    schedule = world.services.reconciliation_schedule
    world.uow.clock.advance(seconds=2 * 900)
    assert await schedule.due(900) == []
    await world.run_queued()
    assert await schedule.due(900) == [connection.id]


async def test_a_rerun_import_holds_the_next_reconciliation_back_too(world: World) -> None:
    _a, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()
    await world.services.connecting.rerun_import(ADMIN, connection.id)
    world.uow.clock.advance(seconds=2 * 900)
    assert await world.services.reconciliation_schedule.due(900) == []
