"""Fanning trigger events out to subscribers and delivering them: signed, retried with backoff
for at least a day, visible with their state."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.app.conftest import FakeDirectory
from tests.subscriptions.conftest import SECURE_URL, SubscriberWorld, unreachable
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.app.auth import ADMIN
from wooconnect.app.key_grant import KeyGrantLinks
from wooconnect.app.ports.persistence import PageRequest
from wooconnect.app.queries import ConnectionViews, Queries
from wooconnect.app.tasks import TRIGGER_DELIVER
from wooconnect.domain.subscriptions import (
    MAX_WAIT,
    RETRY_WINDOW,
    DeliveryState,
    EventDeliveryState,
)
from wooconnect.domain.triggers import TriggerType
from wooconnect.domain.webhook_signing import verify

HOME = "https://crm.example.com"


async def test_fanout_creates_deliveries_only_for_live_subscriptions_wanting_the_type(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    _, other_location = await world.agency_with_location()
    both = await world.subscribe(location)
    paid_only = await world.subscribe(location, ("payment_received",))
    deleted = await world.subscribe(location)
    await world.subscriptions.delete(ADMIN, location, deleted.id)
    await world.subscribe(other_location)

    event = await world.fire(location, TriggerType.ORDER_SUBMITTED)

    deliveries = await world.deliveries()
    assert [d.subscription_id for d in deliveries] == [both.id]
    assert deliveries[0].event_id == event.id
    assert deliveries[0].status is DeliveryState.PENDING
    assert world.queued_ids() == [deliveries[0].id]

    await world.fire(location, TriggerType.PAYMENT_RECEIVED)
    paid = {d.subscription_id for d in await world.deliveries() if d.event_id != event.id}
    assert paid == {both.id, paid_only.id}


async def test_nothing_is_enqueued_when_the_events_transaction_rolls_back(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location)
    await world.fire(location, commit=False)
    assert world.queue.sent == []
    assert await world.deliveries() == []


async def test_a_successful_delivery_is_signed_and_carries_the_order(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    subscription = await world.subscribe(location)
    event = await world.fire(location, TriggerType.PAYMENT_RECEIVED, woo_id=77)
    await world.run_queue()

    [sent] = world.sender.sent
    assert sent.url == SECURE_URL
    headers = sent.headers
    assert headers["X-Wooconnect-Event-Id"] == event.id
    assert headers["X-Wooconnect-Event-Type"] == "payment_received"
    assert headers["Content-Type"] == "application/json"
    timestamp = headers["X-Wooconnect-Timestamp"]
    assert int(timestamp) == int(world.clock.now().timestamp())
    assert verify(
        subscription.secret,
        timestamp,
        sent.body,
        headers["X-Wooconnect-Signature"],
        now=int(world.clock.now().timestamp()),
    )
    payload = json.loads(sent.body)
    assert payload["id"] == event.id
    assert payload["type"] == "payment_received"
    assert payload["location_id"] == location
    assert payload["contact_id"] == "contact-1"
    assert payload["created_at"] == "2026-01-01T00:00:00.000Z"
    assert payload["order"] == {
        "id": event.order_id,
        "woocommerce_order_id": 77,
        "number": "#77",
        "status": "pending",
        "total": "42.50",
        "currency": "EUR",
        "paid_at": "2026-01-01T00:00:00.000Z",
    }
    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryState.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at == world.clock.now()


async def test_a_failed_attempt_is_retried_later_with_the_same_event_id(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location)
    world.sender.answers = [503, unreachable()]
    await world.fire(location)
    [(task, delivery_id, _)] = world.queue.sent
    await world.run_queue()

    delivery = await world.delivery(delivery_id)
    assert delivery.status is DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 503
    assert delivery.last_error == "the subscriber answered 503"
    assert delivery.next_attempt_at == world.clock.now() + timedelta(seconds=15)
    assert world.queue.sent == [(TRIGGER_DELIVER, delivery_id, 15.0)]

    await world.run_queue()  # the task arrived early (no delay in the fake): nothing happens
    assert len(world.sender.sent) == 1
    assert world.queue.sent == []

    world.clock.advance(seconds=15)
    await world.subscriptions.deliver(delivery_id)
    delivery = await world.delivery(delivery_id)
    assert delivery.attempts == 2
    assert delivery.last_status_code is None
    assert delivery.last_error == "connection refused"
    assert delivery.next_attempt_at == world.clock.now() + timedelta(seconds=30)

    world.clock.advance(seconds=30)
    await world.subscriptions.deliver(delivery_id)
    assert (await world.delivery(delivery_id)).status is DeliveryState.DELIVERED
    event_ids = {s.headers["X-Wooconnect-Event-Id"] for s in world.sender.sent}
    assert len(world.sender.sent) == 3
    assert len(event_ids) == 1
    assert task == TRIGGER_DELIVER


async def test_a_subscriber_that_never_answers_2xx_is_given_up_only_after_24_hours(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location)
    world.sender.answers = [500] * 1000
    await world.fire(location)
    started = world.clock.now()
    [delivery_id] = world.queued_ids()
    attempts_at = []
    while True:
        attempts_at.append(world.clock.now())
        await world.subscriptions.deliver(delivery_id)
        delivery = await world.delivery(delivery_id)
        if delivery.status is not DeliveryState.PENDING:
            break
        assert delivery.next_attempt_at is not None
        wait = delivery.next_attempt_at - world.clock.now()
        assert timedelta(0) < wait <= MAX_WAIT
        world.clock.current = delivery.next_attempt_at

    assert delivery.status is DeliveryState.FAILED
    assert attempts_at[-1] - started >= RETRY_WINDOW
    assert attempts_at[-2] - started < RETRY_WINDOW
    assert delivery.attempts == len(attempts_at) == len(world.sender.sent)
    assert delivery.next_attempt_at is None
    world.clock.advance(hours=2)
    assert await world.subscriptions.retry_due() == 0


async def test_a_delivery_for_a_deleted_subscription_is_abandoned_unsent(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    subscription = await world.subscribe(location)
    await world.fire(location)
    await world.subscriptions.delete(ADMIN, location, subscription.id)
    await world.run_queue()
    assert world.sender.sent == []
    [delivery] = await world.deliveries()
    assert delivery.status is DeliveryState.FAILED
    assert delivery.last_error == "the subscription was deleted"


async def test_a_repeated_task_sends_a_delivered_event_once(world: SubscriberWorld) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location)
    await world.fire(location)
    [delivery_id] = world.queued_ids()
    await world.subscriptions.deliver(delivery_id)
    await world.subscriptions.deliver(delivery_id)
    assert len(world.sender.sent) == 1


async def test_a_claimed_delivery_is_not_sent_by_a_second_worker(world: SubscriberWorld) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location)
    await world.fire(location)
    [delivery_id] = world.queued_ids()
    now = world.clock.now()
    async with world.uow() as uow:
        assert await uow.trigger_deliveries.claim(delivery_id, now, now + timedelta(minutes=2))
        await uow.commit()
    await world.subscriptions.deliver(delivery_id)
    assert world.sender.sent == []


async def test_the_sweeper_resends_overdue_deliveries_whose_task_was_lost(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    await world.subscribe(location)
    await world.fire(location)
    [delivery_id] = world.queued_ids()
    world.queue.sent.clear()  # the broker lost the message

    assert await world.subscriptions.retry_due() == 0, "not overdue yet: its task may be on its way"
    world.clock.advance(minutes=5)
    assert await world.subscriptions.retry_due() == 1
    assert world.queued_ids() == [delivery_id]
    await world.run_queue()
    assert (await world.delivery(delivery_id)).status is DeliveryState.DELIVERED


async def test_listing_shows_each_subscriptions_delivery_state(world: SubscriberWorld) -> None:
    _, location = await world.agency_with_location()
    subscription = await world.subscribe(location)
    quiet = await world.subscribe(location, ("payment_received",))
    world.sender.answers = [200, 502]
    await world.fire(location, woo_id=1)
    await world.run_queue()
    world.clock.advance(seconds=1)
    await world.fire(location, woo_id=2)
    await world.run_queue()

    page = await world.subscriptions.list_for_location(ADMIN, location, PageRequest(limit=50))
    stats = {v.subscription.id: v.stats for v in page.items}
    assert stats[subscription.id].delivered == 1
    assert stats[subscription.id].pending == 1
    assert stats[subscription.id].failed == 0
    assert stats[subscription.id].last_status_code == 502
    assert stats[subscription.id].last_attempt_at == world.clock.now()
    assert stats[quiet.id].pending + stats[quiet.id].delivered == 0
    assert stats[quiet.id].last_attempt_at is None


async def test_the_trigger_list_summarises_each_event_by_its_deliveries(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    unwatched = await world.fire(location, TriggerType.PAYMENT_RECEIVED, woo_id=1)
    await world.subscribe(location, ("order_submitted",))
    world.sender.answers = [200, 500]
    delivered = await world.fire(location, woo_id=2)
    pending = await world.fire(location, woo_id=3)
    await world.run_queue()

    views = ConnectionViews(world.clock, KeyGrantLinks(FakeDirectory(), HOME, allow_http=False))
    queries = Queries(world.uow, views, WooCommerceWebhookCodec())
    page = await queries.triggers(ADMIN, location, PageRequest(limit=50))
    states = {view.event.id: view.delivery_state for view in page.items}
    assert states == {
        unwatched.id: EventDeliveryState.NO_SUBSCRIBERS,
        delivered.id: EventDeliveryState.DELIVERED,
        pending.id: EventDeliveryState.PENDING,
    }
