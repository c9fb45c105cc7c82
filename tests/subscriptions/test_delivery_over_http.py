"""Deliveries over real HTTP to a receiver on the loopback interface."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.fakes.memory import FakeClock, InMemoryUnitOfWorkFactory
from tests.subscriptions.conftest import RecordingQueue, SubscriberWorld
from tests.woocommerce.receiver import Receiver, running_receiver
from wooconnect.adapters.triggers import HttpxWebhookSender
from wooconnect.app.ports.subscriptions import SubscriberUnreachable
from wooconnect.app.subscriptions import Subscriptions
from wooconnect.domain.subscriptions import DeliveryState
from wooconnect.domain.triggers import TriggerType
from wooconnect.domain.webhook_signing import verify


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def world() -> AsyncIterator[SubscriberWorld]:
    clock = FakeClock(datetime.now(UTC))
    uow = InMemoryUnitOfWorkFactory(clock)
    queue = RecordingQueue()
    async with httpx.AsyncClient(follow_redirects=False) as client:
        sender = HttpxWebhookSender(client, allow_private=True)
        subscriptions = Subscriptions(uow, clock, queue, sender, allow_insecure=True)
        yield SubscriberWorld(uow, clock, queue, sender, subscriptions)


async def test_a_receiver_gets_the_event_signed_with_its_secret(
    world: SubscriberWorld, receiver: Receiver
) -> None:
    _, location = await world.agency_with_location()
    subscription = await world.subscribe(location, url=f"{receiver.url}/hooks/workflow?k=1")
    event = await world.fire(location, TriggerType.PAYMENT_RECEIVED)
    await world.run_queue()

    [request] = receiver.received
    assert request.method == "POST"
    assert request.path == "/hooks/workflow"
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-wooconnect-event-id"] == event.id
    assert headers["x-wooconnect-event-type"] == "payment_received"
    assert headers["user-agent"].startswith("wooconnect")
    assert verify(
        subscription.secret,
        headers["x-wooconnect-timestamp"],
        request.body,
        headers["x-wooconnect-signature"],
        now=int(time.time()),
    )
    assert json.loads(request.body)["id"] == event.id
    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryState.DELIVERED
    assert delivery.last_status_code == 200


async def test_server_errors_and_redirects_are_failed_attempts(
    world: SubscriberWorld, receiver: Receiver
) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location, url=f"{receiver.url}/hook")
    receiver.statuses = [500, 302]
    await world.fire(location)
    [delivery_id] = world.queued_ids()

    await world.run_queue()
    assert (await world.delivery(delivery_id)).last_status_code == 500
    world.clock.advance(minutes=1)
    await world.subscriptions.deliver(delivery_id)
    redirected = await world.delivery(delivery_id)
    assert redirected.last_status_code == 302
    assert redirected.status is DeliveryState.PENDING
    world.clock.advance(minutes=2)
    await world.subscriptions.deliver(delivery_id)
    assert (await world.delivery(delivery_id)).status is DeliveryState.DELIVERED
    assert len(receiver.received) == 3
    assert len({r.headers["x-wooconnect-event-id"] for r in receiver.received}) == 1


async def test_the_sender_refuses_private_addresses_unless_the_operator_allows_them(
    receiver: Receiver,
) -> None:
    guarded = HttpxWebhookSender(allow_private=False)
    with pytest.raises(SubscriberUnreachable, match="loopback"):
        await guarded.post(f"{receiver.url}/hook", b"{}", {})
    assert receiver.received == []
    assert await HttpxWebhookSender(allow_private=True).post(f"{receiver.url}/h", b"{}", {}) == 200


async def test_a_closed_port_is_an_unreachable_subscriber() -> None:
    with running_receiver() as stopped:
        url = stopped.url
    with pytest.raises(SubscriberUnreachable):
        await HttpxWebhookSender(allow_private=True).post(f"{url}/hook", b"{}", {})
