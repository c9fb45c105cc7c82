"""The live sync hands the trigger events it records to the subscribers, exactly once."""

from __future__ import annotations

import pytest

from tests.app.conftest import World, make_world, order, rules
from tests.fakes.store import FakeStoreClient
from tests.subscriptions.conftest import ScriptedSender
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.app.auth import ADMIN
from wooconnect.app.live_sync import LiveSync
from wooconnect.app.tasks import TRIGGER_DELIVER
from wooconnect.domain.subscriptions import DeliveryState

__all__ = ["rules"]  # the shipped rules, compiled once per session


class UnusedCodec:
    """`apply_order` gets the order already decoded."""


@pytest.fixture
def world(rules: FileRuleSource) -> World:
    return make_world(rules, trigger_sender=ScriptedSender())


async def test_a_live_order_reaches_its_subscribers_once_per_trigger(world: World) -> None:
    _, location = await world.agency_with_location()
    connection = await world.connected(location)
    await world.run_queued()
    subscriptions = world.services.subscriptions
    await subscriptions.create(
        ADMIN, location, "https://hooks.example.com/a", ["order_submitted", "payment_received"]
    )
    live = LiveSync(
        world.uow,
        world.uow.clock,
        FakeStoreClient(),
        UnusedCodec(),
        world.services.policy,
        world.services.applier,
        fanout=subscriptions.fanout,
    )
    world.queue.sent.clear()

    for _ in range(2):  # a newer version of the same order fires nothing new
        world.uow.clock.advance(minutes=1)
        async with world.uow() as uow:
            stored = await uow.connections.get(connection.id)
            assert stored is not None
            await live.apply_order(
                uow, stored, order(501, modified=world.uow.clock.now()), source="live"
            )
            await uow.commit()

    deliveries = list(world.uow.state.trigger_deliveries.values())
    fired = {event.type.value for event in world.uow.state.triggers.values()}
    assert fired == {"order_submitted", "payment_received"}
    assert len(deliveries) == 2
    assert {d.event_type.value for d in deliveries} == fired
    assert all(d.status is DeliveryState.PENDING for d in deliveries)
    assert sorted(world.queue.sent) == sorted((TRIGGER_DELIVER, d.id) for d in deliveries)
